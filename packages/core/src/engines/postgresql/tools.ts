/** What `botdb` needs from the PostgreSQL engine (the contract is ../tools.ts). */
import { postgresLocation, urlWithoutPassword } from '@pkg/broker';
import { SCHEMA_VERSION } from '../../schema/bot-schema.js';
import { STANDARD_FIGURE_QUERIES, shellWord, sqlDumpFileName } from '../tool-helpers.js';
import type { EngineTools } from '../tools.js';
import { openPostgresReader, openPostgresWriter } from './move.js';
import { postgresOnline } from './online.js';

export const postgresTools: EngineTools<'postgresql'> = {
  online: postgresOnline,
  place: (spec) => ({
    type: 'postgresql',
    path: null,
    location: postgresLocation(spec.url, spec.schema),
    fields: { url: urlWithoutPassword(spec.url), schema: spec.schema },
  }),
  sameData: (a, b) => postgresLocation(a.url, a.schema) === postgresLocation(b.url, b.schema),
  // A schema is not a file: whether it holds the bot's tables is known only by asking the server.
  local: () => ({ exists: null, size: null, walSize: null, cannotCreate: null }),
  notCreated: (spec) => ({
    checkNote: `schema "${spec.schema}" holds no bot tables yet; the bot creates them (schema version ${SCHEMA_VERSION}) on first open`,
    statsMessage: `${postgresLocation(spec.url, spec.schema)} holds no bot tables; stats opens existing databases only (opening would create them). Fix: check url and schema, or let the bot create them.`,
  }),
  // A PostgreSQL schema is created at the current version; there is no older one to migrate.
  olderSchema: async () => null,
  figureQueries: STANDARD_FIGURE_QUERIES,
  openReader: openPostgresReader,
  openWriter: openPostgresWriter,
  backup: {
    kind: 'dump',
    command(spec, fileArg) {
      const env = spec.passwordEnv === null ? '' : `PGPASSWORD="$${spec.passwordEnv}" `;
      const dumpFile = sqlDumpFileName(fileArg);
      return {
        dumpFile,
        command: `${env}pg_dump --schema=${spec.schema} ${shellWord(urlWithoutPassword(spec.url))} > ${shellWord(dumpFile)}`,
        restore: 'a plain SQL dump; restore it with psql',
      };
    },
  },
};
