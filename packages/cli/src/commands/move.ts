/**
 * `botdb move --from A --to B (--chat ID... | --all)`: copies chats (or a whole source) from one source
 * to another, verifies the row counts and prints the [database.chatMapping] lines to add. It never deletes
 * from the source. The copy loop is engine-agnostic (../move/copy.ts); each side's reader or writer is its
 * engine's own (`@pkg/core/engines`), whatever the pair of engines.
 */
import type { LoadedConfig } from '@pkg/config';
import { type MoveReader, type MoveWriter, sameData } from '@pkg/core/engines';
import cliProgress from 'cli-progress';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { chatsOf, commonTables, copyStep, plan, type StepResult } from '../move/copy.js';
import { offlineNote } from '../move/online.js';
import { EXIT, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem, UsageError } from '../problems.js';
import { type EngineSource, engineSource, sourceNames } from '../sources.js';
import { parseChatId } from './route.js';

export interface MoveOptions extends ConfigOption {
  from?: string;
  to?: string;
  chat?: string[];
  all?: boolean;
  json?: boolean;
  /** Rows per destination transaction. */
  batch?: string;
}

export const DEFAULT_BATCH = 500;

/**
 * The chat ids of `--chat -- <id>...`: commander takes the `--` as the option's value and leaves the ids
 * as operands, so a negative id can be written as after `route --`. Operands without `--chat --` are refused,
 * as commander refuses them for every other command.
 */
export function chatsWithOperands(chat: string[] | undefined, operands: readonly string[]): string[] | undefined {
  if (chat?.includes('--')) return [...chat.filter((c) => c !== '--'), ...operands];
  if (operands.length > 0) {
    throw new UsageError(
      `too many arguments for 'move': ${operands.join(' ')}. Name chats with --chat <id> (a negative one as --chat -- <id>).`,
      'TOO_MANY_ARGUMENTS',
    );
  }
  return chat;
}

function report(opts: MoveOptions, body: Record<string, unknown>, problems: Problem[]): number {
  if (opts.json) out.json({ ok: problems.length === 0, ...body, problems });
  else for (const p of problems) for (const l of problemLines(p)) out.line(l);
  return problems.length === 0 ? EXIT.ok : EXIT.problems;
}

function known(config: LoadedConfig['config'], name: string): EngineSource {
  if (config.sources[name] === undefined) {
    throw new UsageError(
      `unknown source "${name}". Configured sources: ${sourceNames(config).join(', ')}.`,
      'UNKNOWN_SOURCE',
    );
  }
  return engineSource(config, name);
}

/** Where a source lives, for messages: the file, or the server URL (no password) and schema. */
function locationOf(side: EngineSource): string {
  return side.tools.place(side.spec).location;
}

function progressBar(opts: MoveOptions): cliProgress.SingleBar | null {
  if (opts.json || process.stderr.isTTY !== true) return null;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: 'move [{bar}] {percentage}% | {value}/{total} rows | {table}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

/** Per table: the sums over its chats, for the text output. */
function perTable(results: StepResult[]): Map<string, Omit<StepResult, 'table' | 'chatId'>> {
  const sums = new Map<string, Omit<StepResult, 'table' | 'chatId'>>();
  for (const r of results) {
    const s = sums.get(r.table) ?? {
      source: 0,
      destinationBefore: 0,
      copied: 0,
      alreadyPresent: 0,
      destination: 0,
      ok: true,
    };
    s.source += r.source;
    s.destinationBefore += r.destinationBefore;
    s.copied += r.copied;
    s.alreadyPresent += r.alreadyPresent;
    s.destination += r.destination;
    s.ok &&= r.ok;
    sums.set(r.table, s);
  }
  return sums;
}

export async function runMove(opts: MoveOptions): Promise<number> {
  const chatArgs = opts.chat ?? [];
  if (chatArgs.length > 0 === (opts.all === true)) {
    throw new UsageError('name the chats to move with --chat <id> (repeatable), or --all for the whole source.');
  }
  const chats = chatArgs.map(parseChatId);
  if (opts.from === undefined || opts.to === undefined) {
    throw new UsageError(
      `name both sources: --from <source> --to <source> (a copy for a stopped bot), or move with --online --to <source> while the bot runs.`,
      'MISSING_OPTION',
    );
  }
  const batch = opts.batch === undefined ? DEFAULT_BATCH : Number(opts.batch);
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new UsageError(`--batch "${opts.batch}" is not a positive whole number of rows.`);
  }
  return copyMove({ ...opts, from: opts.from, to: opts.to }, chats, batch);
}

async function copyMove(
  opts: MoveOptions & { from: string; to: string },
  chats: number[],
  batch: number,
): Promise<number> {
  let config: LoadedConfig['config'];
  try {
    ({ config } = await loadCliConfig(opts));
  } catch (error) {
    return report(opts, {}, [toProblem(error)]);
  }
  const from = known(config, opts.from);
  const to = known(config, opts.to);
  if (opts.from === opts.to || sameData(from.spec, to.spec)) {
    throw new UsageError(`--from and --to are the same data (${locationOf(from)}); name two different sources.`);
  }
  const head = { from: opts.from, to: opts.to };
  if (to.spec.readonly) {
    return report(opts, head, [
      {
        code: 'READONLY_SOURCE',
        source: opts.to,
        message: `the destination "${opts.to}" is readonly (${locationOf(to)}); move writes to it. Fix: name a writable source in --to, or set readonly = false on [database.sources.${opts.to}].`,
      },
    ]);
  }

  // The source first: a mistyped source path must not leave a newly created destination behind.
  let reader: MoveReader;
  try {
    reader = await from.tools.openReader(from.spec);
  } catch (error) {
    return report(opts, head, [toProblem(error, opts.from)]);
  }
  let writer: MoveWriter;
  try {
    writer = await to.tools.openWriter(to.spec);
  } catch (error) {
    await reader.close();
    return report(opts, head, [toProblem(error, opts.to)]);
  }

  const bar = progressBar(opts);
  try {
    const versions = { source: await reader.schemaVersion(), destination: await writer.schemaVersion() };
    if (versions.source !== versions.destination) {
      return report(opts, { ...head, versions }, [
        {
          code: 'SCHEMA_MISMATCH',
          source: opts.from,
          message: `the source's schema version is ${versions.source}, the destination's ${versions.destination}. Fix: open the source once with the bot (or the library) so it is migrated, then move.`,
        },
      ]);
    }
    const tables = await commonTables(reader, writer);
    const steps = await plan(reader, writer, tables, opts.all ? 'all' : chats);
    const problems: Problem[] = [];
    for (const chat of chats) {
      if (steps.every((s) => s.chatId !== chat || s.source === 0)) {
        problems.push({
          code: 'CHAT_NOT_FOUND',
          source: opts.from,
          message: `chat ${chat} has no rows in "${opts.from}" (${locationOf(from)}). Fix: check the chat id and --from.`,
        });
      }
    }
    if (problems.length > 0) return report(opts, head, problems);

    const total = steps.reduce((n, s) => n + s.source, 0);
    bar?.start(total, 0, { table: '' });
    const results: StepResult[] = [];
    for (const step of steps) {
      results.push(
        await copyStep(reader, writer, step, batch, (n) => bar?.increment(n, { table: printable(step.table.name) })),
      );
    }
    bar?.stop();

    const moved = opts.all ? await chatsOf(reader, tables, steps) : chats;
    const chatMapping = moved.map((id) => `${id} = "${opts.to}"`);
    for (const r of results.filter((x) => !x.ok)) {
      problems.push({
        code: 'COPY_MISMATCH',
        source: opts.to,
        message: `${r.table}${r.chatId === undefined ? '' : ` chat ${r.chatId}`}: the source holds ${r.source} rows, the destination ${r.destination} (${r.destinationBefore} before). Fix: run the same move again.`,
      });
    }
    const copied = results.reduce((n, r) => n + r.copied, 0);
    const body = { ...head, chats: moved, batch, copied, tables: results, chatMapping };
    if (opts.json) return report(opts, body, problems);

    const c = out.c;
    const mark = problems.length === 0 ? c.green('✓') : c.red('✗');
    out.line(`${mark} ${c.bold(opts.from)} -> ${c.bold(opts.to)}: ${moved.length} chat(s), ${copied} row(s) copied`);
    for (const [table, s] of perTable(results)) {
      if (s.source === 0 && s.destination === 0) continue;
      out.line(
        `    ${s.ok ? c.green('✓') : c.red('✗')} ${printable(table)}: source ${s.source}, copied ${s.copied}, already present ${s.alreadyPresent}, destination ${s.destination}${s.destinationBefore > 0 ? ` (${s.destinationBefore} before)` : ''}`,
      );
    }
    for (const p of problems) for (const l of problemLines(p)) out.line(l);
    if (problems.length === 0) {
      out.line('');
      out.line(`Add under [database.chatMapping] (the source keeps its copy; remove its file later if you wish):`);
      for (const l of chatMapping) out.line(printable(l));
      if (!opts.all) {
        out.line('');
        out.line(offlineNote(moved, opts.to));
      }
    }
    return problems.length === 0 ? EXIT.ok : EXIT.problems;
  } catch (error) {
    bar?.stop();
    if (error instanceof UsageError) throw error;
    return report(opts, head, [toProblem(error)]);
  } finally {
    await reader.close();
    await writer.close();
  }
}
