import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
/** Writer processes at a time on one file (LANES), each killed and restarted ROUNDS_PER_LANE times: 20 kills. */
const LANES = 4;
const ROUNDS_PER_LANE = 5;

/** Runs one writer until a random moment after it is ready, SIGKILLs it, returns the ids it acknowledged. */
function killedWriter(path: string, firstId: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [WRITER, path, String(firstId)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    let ready = false;
    const bail = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer never acknowledged a write: ${stderr}`));
    }, 20_000);
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') ready = true;
        else if (line !== '') {
          // Somewhere in the middle of the writing: 0 to 60 ms after its first acknowledged write. Timed
          // from the first write, not from 'ready': on a busy machine 60 ms after ready could be before it.
          if (acked.length === 0) setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 60));
          acked.push(Number(line));
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(bail);
      if (!ready) reject(new Error(`writer exited before ready (${code ?? signal}): ${stderr}`));
      else if (signal !== 'SIGKILL') reject(new Error(`writer ended by ${code ?? signal}: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('SIGKILL in the middle of writes', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-crash-');
  });
  afterEach(() => dir.cleanup());

  it('loses no acknowledged write and leaves the file intact, over many kills', async () => {
    const path = dir.file('bot.db');
    const init = new DatabaseWrapper({ dbPath: path });
    await init.ready();
    await init.close();

    const acked: number[] = [];
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let round = 0; round < ROUNDS_PER_LANE; round++) {
          acked.push(...(await killedWriter(path, (lane * ROUNDS_PER_LANE + round) * 1_000_000)));
        }
      }),
    );
    expect(acked.length).toBeGreaterThanOrEqual(LANES * ROUNDS_PER_LANE); // every kill landed mid-writing

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set(
        (db.prepare('SELECT message_id FROM chat_messages WHERE chat_id = -1001').pluck().all() as string[]).map(
          Number,
        ),
      );
      const lost = acked.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      db.close();
    }
  });
});
