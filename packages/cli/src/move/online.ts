/**
 * `botdb move --online` and `botdb move --resume`: chats moved with the library's online protocol
 * (`moveChatOnline`, the same code as the bot's `db.moveChat`), safe while the bot runs: its writes are fenced
 * in the old source and re-sent, the placement switches in one statement, the old copy is removed after the
 * drain (or kept with --keep-old). A killed move is finished by --resume (or by the same command again).
 */
import type { DatabaseConfig } from '@pkg/config';
import { type MoveChatResult, moveChatOnline, Router, readPlacements } from '@pkg/core';
import { loadCliConfig } from '../config.js';
import { EXIT, err, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem, UsageError } from '../problems.js';

export interface OnlineMoveOptions {
  config?: string;
  from?: string;
  to?: string;
  chats: number[];
  resume: boolean;
  keepOld: boolean;
  json: boolean;
}

function report(opts: OnlineMoveOptions, moves: MoveChatResult[], problems: Problem[]): number {
  if (opts.json) out.json({ ok: problems.length === 0, online: true, moves, problems });
  else {
    const c = out.c;
    for (const m of moves) {
      const rows = Object.values(m.rows).reduce((n, r) => n + r, 0);
      out.line(
        `${c.green('✓')} chat ${m.chatId}: ${c.bold(m.from)} -> ${c.bold(m.to)} (${m.outcome}, epoch ${m.epoch}, ${rows} row(s) verified, old copy ${m.removedOld ? 'removed' : 'kept'})`,
      );
    }
    for (const p of problems) for (const l of problemLines(p)) out.line(l);
  }
  return problems.length === 0 ? EXIT.ok : EXIT.problems;
}

/** Where the chat lives now: its recorded placement, else the configuration's routing. */
function ownerOf(config: DatabaseConfig, placed: Map<number, { source: string }>, chatId: number): string {
  return placed.get(chatId)?.source ?? new Router(config).ownerOf(chatId);
}

export async function runOnlineMove(opts: OnlineMoveOptions): Promise<number> {
  if (!opts.resume && (opts.to === undefined || opts.chats.length === 0)) {
    throw new UsageError('--online moves chats: name them with --chat <id> and the destination with --to <source>.');
  }
  let config: DatabaseConfig;
  try {
    ({ config } = await loadCliConfig(opts));
  } catch (error) {
    return report(opts, [], [toProblem(error)]);
  }
  const moves: MoveChatResult[] = [];
  const problems: Problem[] = [];
  const progress = (chatId: number) => (p: { step: string }) => {
    if (!opts.json && process.stderr.isTTY === true) err.line(`chat ${chatId}: ${p.step}`);
  };
  try {
    const placed = await readPlacements(config);
    const jobs: { chatId: number; to: string }[] = [];
    if (opts.resume) {
      for (const row of placed.values()) {
        if (row.state === 'placed' || (opts.chats.length > 0 && !opts.chats.includes(row.chatId))) continue;
        jobs.push({ chatId: row.chatId, to: row.state === 'moving' ? (row.target as string) : row.source });
      }
      if (jobs.length === 0 && !opts.json) out.line('no interrupted move to finish.');
    } else {
      for (const chatId of opts.chats) {
        const owner = ownerOf(config, placed, chatId);
        if (opts.from !== undefined && opts.from !== owner && placed.get(chatId)?.state !== 'moving') {
          throw new UsageError(
            `chat ${chatId} lives in "${owner}", not in --from "${opts.from}". Fix: leave --from out (an online move knows where the chat is), or name "${owner}".`,
          );
        }
        jobs.push({ chatId, to: opts.to as string });
      }
    }
    for (const job of jobs) {
      try {
        moves.push(await moveChatOnline({ config, ...job, keepOld: opts.keepOld, onProgress: progress(job.chatId) }));
      } catch (error) {
        problems.push(toProblem(error, job.to));
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    problems.push(toProblem(error));
  }
  return report(opts, moves, problems);
}

/** The note plain (offline) `botdb move` prints: its copy is not safe while the bot writes the chats. */
export function offlineNote(chats: readonly number[], to: string): string {
  return `This copy is for a stopped bot. With the bot running, move the chats with the online protocol instead: botdb move --online --to ${printable(to)} --chat -- ${chats.join(' ')}`;
}
