import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findRedisBinaries,
  REDIS_MISSING_REASON,
  REDIS_URL_ENV,
  redisCommand,
  redisTestAvailable,
  startTestRedis,
  startTestRedisServer,
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

/** `redis-cli -p <port> <args>` (the Debian redis-tools client), its output trimmed. */
function cli(file: string, port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe('startTestRedis', () => {
  it(`returns ${REDIS_URL_ENV} as it is, and stop() leaves that server alone`, async () => {
    const previous = process.env[REDIS_URL_ENV];
    process.env[REDIS_URL_ENV] = 'redis://cache.example:6380/2';
    try {
      const redis = await startTestRedis();
      expect(redis).toMatchObject({ url: 'redis://cache.example:6380/2', origin: 'env', dir: null });
      expect(redisTestAvailable()).toBe(true);
      await redis.stop();
    } finally {
      if (previous === undefined) delete process.env[REDIS_URL_ENV];
      else process.env[REDIS_URL_ENV] = previous;
    }
  });

  // Its own server always (startTestRedisServer ignores the env URL): only the binary matters here.
  const bin = findRedisBinaries();
  if (!bin && process.env.CI === 'true') {
    it('redis-server is installed (required under CI=true)', () => {
      throw new Error(`CI=true requires Redis, and there is none: ${REDIS_MISSING_REASON}`);
    });
  }
  it.skipIf(!bin)(
    bin
      ? 'starts a throwaway server on 127.0.0.1 that persists nothing, survives a restart, and stop() leaves nothing'
      : `Redis tests skipped: ${REDIS_MISSING_REASON}`,
    async () => {
      const started = Date.now();
      const redis = await startTestRedisServer();
      const startMs = Date.now() - started;
      const pid = redis.pid ?? 0;
      let lastPid = 0;
      try {
        const url = new URL(redis.url);
        expect(redis.origin).toBe('throwaway');
        expect(url.hostname).toBe('127.0.0.1');
        expect(redis.port).not.toBe(6379);
        expect(Number(url.port)).toBe(redis.port);
        expect(alive(pid)).toBe(true);
        expect(await redisCommand(redis.port, ['PING'])).toBe('PONG');
        expect(await redisCommand(redis.port, ['SET', 'greeting', 'héllo'])).toBe('OK');
        expect(await redisCommand(redis.port, ['GET', 'greeting'])).toBe('héllo');
        expect(await redisCommand(redis.port, ['GET', 'missing'])).toBeNull();
        // Nothing on disk: no RDB save points, no AOF, the folder the testkit chose.
        expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'save'])).toEqual(['save', '']);
        expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendonly'])).toEqual(['appendonly', 'no']);
        expect(await redisCommand(redis.port, ['CONFIG', 'GET', 'dir'])).toEqual(['dir', redis.dir]);
        await expect(redisCommand(redis.port, ['NOSUCHCOMMAND'])).rejects.toThrow(/unknown command/);
        if (bin?.cli) expect(await cli(bin.cli, redis.port, ['GET', 'greeting'])).toBe('héllo');

        await redis.restart('immediate');
        expect(alive(pid)).toBe(false);
        expect(await redisCommand(redis.port, ['GET', 'greeting'])).toBeNull(); // nothing persisted
        await redis.stopServer();
        expect(await accepts(redis.port)).toBe(false);
        await redis.startServer();
        expect(await redisCommand(redis.port, ['PING'])).toBe('PONG');
        lastPid = redis.pid ?? 0;
      } finally {
        await redis.stop();
      }
      expect(existsSync(redis.dir)).toBe(false);
      expect(await accepts(redis.port)).toBe(false);
      expect(redis.pid).toBeNull();
      expect(alive(lastPid)).toBe(false);
      await redis.stop(); // twice is harmless
      console.log(`throwaway Redis started in ${startMs} ms`);
    },
    60_000,
  );
});
