/** What `botdb` needs from the MySQL/MariaDB engine (the contract is ../tools.ts). */
import { mysqlLocation, urlWithoutPassword } from '@pkg/broker';
import { mysqlIdentity } from '@pkg/config';
import { SCHEMA_VERSION, VERSION_KEY } from '../../schema/bot-schema.js';
import { shellWord, sqlDumpFileName } from '../tool-helpers.js';
import type { EngineTools } from '../tools.js';
import { openMysqlReader, openMysqlWriter } from './move.js';
import { mysqlOnline } from './online.js';

export const mysqlTools: EngineTools<'mysql'> = {
  online: mysqlOnline,
  place: (spec) => {
    const url = new URL(spec.url);
    return {
      type: 'mysql',
      path: null,
      location: mysqlLocation(spec.url),
      fields: { url: urlWithoutPassword(spec.url), database: decodeURIComponent(url.pathname.replace(/^\//, '')) },
    };
  },
  sameData: (a, b) => mysqlIdentity(a.url) === mysqlIdentity(b.url),
  // A database is not a file: whether it holds the bot's tables is known only by asking the server.
  local: () => ({ exists: null, size: null, walSize: null, cannotCreate: null }),
  notCreated: (spec) => ({
    checkNote: `database "${decodeURIComponent(new URL(spec.url).pathname.slice(1))}" holds no bot tables yet; the bot creates them (schema version ${SCHEMA_VERSION}) on first open`,
    statsMessage: `${mysqlLocation(spec.url)} holds no bot tables; stats opens existing databases only (opening would create them). Fix: check url, or let the bot create them.`,
  }),
  // A MySQL database is created at the current version; there is no older one to migrate.
  olderSchema: async () => null,
  // `key` is reserved on MySQL: quoted with backticks.
  figureQueries: {
    version: `SELECT value FROM settings WHERE \`key\` = '${VERSION_KEY}'`,
    chats: 'SELECT COUNT(*) AS n FROM chat_info',
    messages: 'SELECT COUNT(*) AS n FROM chat_messages',
  },
  openReader: openMysqlReader,
  openWriter: openMysqlWriter,
  backup: {
    kind: 'dump',
    command(spec, fileArg) {
      const url = new URL(spec.url);
      const dumpFile = sqlDumpFileName(fileArg);
      const env = spec.passwordEnv === null ? '' : `MYSQL_PWD="$${spec.passwordEnv}" `;
      const args = [
        // One consistent snapshot of InnoDB tables while the bot writes, without locking them.
        '--single-transaction',
        '--default-character-set=utf8mb4',
        `--host=${shellWord(url.hostname.replace(/^\[|\]$/g, ''))}`,
        `--port=${url.port || '3306'}`,
        `--user=${shellWord(decodeURIComponent(url.username))}`,
        shellWord(decodeURIComponent(url.pathname.replace(/^\//, ''))),
      ];
      return {
        dumpFile,
        // mariadb-dump for MariaDB (mysqldump is its old name there); MySQL 8's mysqldump takes the same options.
        command: `${env}mariadb-dump ${args.join(' ')} > ${shellWord(dumpFile)}`,
        restore:
          'a plain SQL dump, for MySQL 8 made with mysqldump and the same options; restore it with mariadb (or mysql) <database> < the file',
      };
    },
  },
};
