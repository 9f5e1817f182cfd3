import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findMariaDbBinaries,
  MARIADB_MISSING_REASON,
  MYSQL_URL_ENV,
  mariaDbTestAvailable,
  startTestMariaDb,
  startTestMariaDbServer,
  type TestMariaDbServer,
} from '../src/index.js';
import { probeTcp as accepts } from '../src/local-server.js';

/** Whether a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs SQL with the `mariadb` command-line client over TCP as root without a password; its tab-separated output. */
function sql(server: TestMariaDbServer, statement: string): Promise<string> {
  const client = findMariaDbBinaries()?.client;
  if (!client) throw new Error('no mariadb/mysql client binary (apt-get install mariadb-client)');
  const args = ['--no-defaults', '--protocol=TCP', '-h127.0.0.1', `-P${server.port}`, '-uroot', '--connect-timeout=10'];
  return new Promise((resolve, reject) => {
    execFile(client, [...args, '-N', '-B', '-e', statement], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${client} -e '${statement}': ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe('startTestMariaDb', () => {
  it(`returns ${MYSQL_URL_ENV} as it is, and stop() leaves that server alone`, async () => {
    const previous = process.env[MYSQL_URL_ENV];
    process.env[MYSQL_URL_ENV] = 'mysql://someone:secret@db.example:3307/';
    try {
      const server = await startTestMariaDb();
      expect(server).toMatchObject({ url: 'mysql://someone:secret@db.example:3307/', origin: 'env', dir: null });
      await server.stop();
    } finally {
      if (previous === undefined) delete process.env[MYSQL_URL_ENV];
      else process.env[MYSQL_URL_ENV] = previous;
    }
  });

  // Its own server always (startTestMariaDbServer ignores the env URL): only the binaries matter here.
  const canStart = findMariaDbBinaries() !== null;
  if (!canStart && process.env.CI === 'true') {
    it('MariaDB binaries are installed (required under CI=true)', () => {
      throw new Error(`CI=true requires MariaDB, and there is none: ${MARIADB_MISSING_REASON}`);
    });
  }
  it('knows whether MariaDB tests can run', () => {
    expect(mariaDbTestAvailable()).toBe(canStart || Boolean(process.env[MYSQL_URL_ENV]));
  });
  const title = canStart
    ? 'starts a throwaway server on 127.0.0.1 (root over TCP), keeps data across restarts, and stop() leaves nothing'
    : `MariaDB tests skipped: ${MARIADB_MISSING_REASON}`;
  it.skipIf(!canStart)(
    title,
    async () => {
      const started = Date.now();
      const server = await startTestMariaDbServer();
      const startMs = Date.now() - started;
      let pid = 0;
      try {
        const url = new URL(server.url);
        expect(server.origin).toBe('throwaway');
        expect(url.hostname).toBe('127.0.0.1');
        expect(url.username).toBe('root');
        expect(server.port).not.toBe(3306);
        expect(Number(url.port)).toBe(server.port);
        expect(server.socket.startsWith(server.dir)).toBe(true);
        expect(await sql(server, 'SELECT 1')).toBe('1');
        expect(await sql(server, 'SELECT @@bind_address, @@socket, @@skip_name_resolve')).toBe(
          `127.0.0.1\t${server.socket}\t1`,
        );
        pid = Number(readFileSync(`${server.dir}/mariadbd.pid`, 'utf8').trim());
        expect(alive(pid)).toBe(true);

        await sql(
          server,
          'CREATE DATABASE kept; CREATE TABLE kept.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO kept.t VALUES (1, "one")',
        );
        await server.restart();
        expect(await sql(server, 'SELECT v FROM kept.t WHERE id = 1')).toBe('one');
        expect(alive(pid)).toBe(false); // a new process after the restart
        // A crash (SIGKILL) keeps a committed row too, and the server is refused while down.
        await sql(server, 'INSERT INTO kept.t VALUES (2, "two")');
        await server.stopServer('immediate');
        expect(await accepts(server.port)).toBe(false);
        await server.startServer();
        expect(await sql(server, 'SELECT COUNT(*) FROM kept.t')).toBe('2');
        pid = Number(readFileSync(`${server.dir}/mariadbd.pid`, 'utf8').trim());
      } finally {
        await server.stop();
      }
      expect(existsSync(server.dir)).toBe(false);
      expect(await accepts(server.port)).toBe(false);
      expect(alive(pid)).toBe(false);
      await server.stop(); // twice is harmless
      console.log(`throwaway MariaDB started in ${startMs} ms`);
    },
    180_000,
  );
});
