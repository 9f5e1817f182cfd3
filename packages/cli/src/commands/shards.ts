/**
 * `botdb shards plan`: the chats whose placement changes under a configuration (usually the new one, with
 * a source added to the group and the old membership kept as `previous`), with their row counts and the
 * balance of the group before and after. Readonly: it reads each source's chats in a snapshot.
 * `botdb shards apply`: moves them with the online move while the bot runs.
 */
import type { LoadedConfig } from '@pkg/config';
import { type MoveChatResult, moveChatOnline, readPlacements } from '@pkg/core';
import cliProgress from 'cli-progress';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, out, printable, problemLines } from '../output.js';
import { toProblem } from '../problems.js';
import { planShards, type ShardPlan, type UnfinishedMove } from '../shards/plan.js';

export interface ShardsPlanOptions extends ConfigOption {
  json?: boolean;
}

/** The plan, with the recorded placements: where moved chats are, and the moves left unfinished. */
async function planWithPlacements(config: LoadedConfig['config']): Promise<ShardPlan> {
  const placements = await readPlacements(config);
  const unfinished = new Map<number, UnfinishedMove>();
  for (const [chatId, row] of placements) {
    if (row.state === 'moving' && row.target !== null) unfinished.set(chatId, { from: row.source, to: row.target });
    if (row.state === 'switched' && row.previous !== null)
      unfinished.set(chatId, { from: row.previous, to: row.source });
  }
  return planShards(config, (chatId) => placements.get(chatId)?.source, unfinished);
}

/** The configuration and its plan, or the exit code after printing why they could not be had. */
async function loadPlan(opts: ShardsPlanOptions): Promise<{ loaded: LoadedConfig; plan: ShardPlan } | number> {
  try {
    const loaded = await loadCliConfig(opts);
    return { loaded, plan: await planWithPlacements(loaded.config) };
  } catch (error) {
    const p = toProblem(error);
    if (opts.json) out.json({ ok: false, problems: [p] });
    else for (const l of problemLines(p)) out.line(l);
    return EXIT.problems;
  }
}

/** Chats listed one per line in the text output; the rest are counted (--json lists them all). */
const LISTED = 50;

export async function runShardsPlan(opts: ShardsPlanOptions): Promise<number> {
  const planned = await loadPlan(opts);
  if (typeof planned === 'number') return planned;
  const { loaded, plan } = planned;
  if (opts.json) {
    out.json({ ok: true, config: loaded.filepath, ...plan });
    return EXIT.ok;
  }
  printPlan(plan);
  return EXIT.ok;
}

function printPlan(plan: ShardPlan): void {
  const c = out.c;
  const rows = plan.moves.reduce((n, m) => n + m.rows, 0);
  const head = plan.group === '' ? `source ${plan.sources[0]}` : `shard group ${printable(plan.group)}`;
  out.line(
    `${c.bold(head)}: ${plan.sources.map(printable).join(', ')}${plan.previous === null ? '' : ` (previous: ${plan.previous.map(printable).join(', ')})`}`,
  );
  out.line(`  ${plan.moves.length} of ${plan.chats} chat(s) change placement, ${rows} row(s) to move`);
  for (const m of plan.moves.slice(0, LISTED)) {
    out.line(
      `  chat ${m.chatId}: ${printable(m.from)} -> ${printable(m.to)} (${m.rows} rows)${m.unfinished ? ' (unfinished move: apply finishes it)' : ''}`,
    );
  }
  if (plan.moves.length > LISTED) out.line(`  … and ${plan.moves.length - LISTED} more (--json lists them all)`);
  out.line(c.bold('balance (chats / rows, now -> after)'));
  for (const b of plan.balance) {
    out.line(`  ${printable(b.source).padEnd(16)} ${b.chats} / ${b.rows} -> ${b.chatsAfter} / ${b.rowsAfter}`);
  }
  if (plan.moves.length > 0) out.line(c.dim('next: botdb shards apply (moves them while the bot runs)'));
  else if (plan.previous !== null) {
    out.line(c.dim('nothing left to move: remove `previous` from the group and reload the bot.'));
  }
}

export interface ShardsApplyOptions extends ConfigOption {
  json?: boolean;
  /** Keep each moved chat's old rows as a readonly, fenced leftover. */
  keepOld?: boolean;
}

interface AppliedMove {
  chatId: number;
  from: string;
  to: string;
  rows: number;
  outcome: MoveChatResult['outcome'];
}

interface FailedMove {
  chatId: number;
  from: string;
  to: string;
  code: string;
  message: string;
}

function applyBar(opts: ShardsApplyOptions): cliProgress.SingleBar | null {
  if (opts.json || process.stderr.isTTY !== true) return null;
  return new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'apply [{bar}] {value}/{total} chats | {rows} rows | chat {chat} {step}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * `botdb shards apply`: the plan's moves, one chat at a time, each with the online move (its writes held
 * only for the final step), so the bot keeps running. Resumable: the plan is read from the data and the
 * recorded placements each time, so a re-run after a kill or a failure does only what is left (and a move
 * interrupted half-way is finished by the mover).
 */
export async function runShardsApply(opts: ShardsApplyOptions): Promise<number> {
  const planned = await loadPlan(opts);
  if (typeof planned === 'number') return planned;
  const { loaded, plan } = planned;
  const config = loaded.config;
  const bar = applyBar(opts);
  const moved: AppliedMove[] = [];
  const failed: FailedMove[] = [];
  let rows = 0;
  bar?.start(plan.moves.length, 0, { rows: 0, chat: '', step: '' });
  try {
    for (const m of plan.moves) {
      bar?.update({ chat: m.chatId, step: '' });
      try {
        const result = await moveChatOnline({
          chatId: m.chatId,
          to: m.to,
          config,
          keepOld: opts.keepOld === true,
          onProgress: (p) => bar?.update({ step: p.step }),
        });
        const copied = Object.values(result.rows).reduce((a, b) => a + b, 0);
        rows += copied;
        moved.push({ chatId: m.chatId, from: result.from, to: result.to, rows: copied, outcome: result.outcome });
      } catch (error) {
        const p = toProblem(error);
        failed.push({ chatId: m.chatId, from: m.from, to: m.to, code: p.code, message: p.message });
      }
      bar?.increment(1, { rows });
    }
  } finally {
    bar?.stop();
  }
  const ok = failed.length === 0;
  if (opts.json) {
    out.json({ ok, config: loaded.filepath, group: plan.group, planned: plan.moves.length, moved, failed });
    return ok ? EXIT.ok : EXIT.problems;
  }
  const c = out.c;
  out.line(
    `${c.bold(`shard group ${printable(plan.group)}`)}: ${moved.length} of ${plan.moves.length} chat(s) moved, ${rows} row(s)`,
  );
  for (const f of failed) {
    out.line(
      `  ${c.red('failed')} chat ${f.chatId} ${printable(f.from)} -> ${printable(f.to)}: ${printable(f.code)}: ${printable(f.message)}`,
    );
  }
  if (!ok) out.line(c.dim('run botdb shards apply again: it resumes with what is left.'));
  else if (plan.previous !== null) {
    out.line(
      c.dim(
        'every chat is on its shard: remove `previous` from the group, reload the bot, then run plan once more (it should list nothing).',
      ),
    );
  }
  return ok ? EXIT.ok : EXIT.problems;
}
