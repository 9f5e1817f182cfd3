/**
 * `botdb shards plan`: the chats whose placement changes under a configuration (usually the new one, with
 * a source added to the group and the old membership kept as `previous`), with their row counts and the
 * balance of the group before and after. Readonly: it reads each source's chats in a snapshot.
 */
import type { LoadedConfig } from '@pkg/config';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, out, printable, problemLines } from '../output.js';
import { toProblem } from '../problems.js';
import { planShards, type ShardPlan } from '../shards/plan.js';

export interface ShardsPlanOptions extends ConfigOption {
  json?: boolean;
}

/** Chats listed one per line in the text output; the rest are counted (--json lists them all). */
const LISTED = 50;

export async function runShardsPlan(opts: ShardsPlanOptions): Promise<number> {
  let plan: ShardPlan;
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(opts);
    plan = await planShards(loaded.config);
  } catch (error) {
    const p = toProblem(error);
    if (opts.json) out.json({ ok: false, problems: [p] });
    else for (const l of problemLines(p)) out.line(l);
    return EXIT.problems;
  }
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
    out.line(`  chat ${m.chatId}: ${printable(m.from)} -> ${printable(m.to)} (${m.rows} rows)`);
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
