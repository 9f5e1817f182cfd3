/**
 * The online chat move (issue #20), engine-agnostic, runnable by any process (the bot's `db.moveChat`,
 * `botdb move --online`, `botdb shards apply`). For chat C from S to T:
 *  1. intent: C's placement row says 'moving' to T (still owned by S);
 *  2. hold: the calling bot holds C's new writes (hooks.hold);
 *  3. fence: C is fenced in S in one transaction that waits for C's writes in flight: from its commit on,
 *     every process's write of C into S is refused (and re-sent by the wrapper once the placement switches);
 *     a fence of C left in T by an earlier move out of T is lifted;
 *  4. copy: C's rows are deleted from T and copied again from a snapshot of S taken after the fence (the same
 *     copy loop as `botdb move`), and the row counts per table verified equal;
 *  5. switch: one statement makes T own C ('switched');
 *  6. release: held writes go to T;
 *  7. drain, remove: after DRAIN_MS (stale readers), C's rows are deleted from S in one transaction (the fence
 *     stays), unless keepOld; then 'placed'.
 * Every step is idempotent: a mover killed anywhere is resumed by running the same move again.
 * Two movers of one chat: every placement write is a compare-and-set against the row this mover read (intent:
 * absent or the same epoch and state; switch and 'placed': this move's epoch in the expected state), and the
 * row is checked again right before the target's copy is deleted; a mover that loses stops with
 * CHAT_MOVE_FAILED. A resume (the row already 'moving') cannot tell a dead mover from a live one: see
 * docs/operations.md for what that leaves unguarded.
 */
import { type DatabaseConfig, type DatabaseConfigInput, validateDatabaseConfig } from '@pkg/config';
import { ChatMoveError, InvalidArgumentError, ReadonlySourceError } from '@pkg/errors';
import { commonTables, copyStep, plan } from '../engines/move-copy.js';
import { FENCE_TABLE, type MoveReader, type MoveWriter, PLACEMENT_TABLE, type TableShape } from '../engines/tools.js';
import { Router } from '../router.js';
import { casPlacement, readPlacementRows } from './placement-rows.js';
import { type Side, sideOf, systemSourceOf, tableExists } from './sides.js';
import { DRAIN_MS } from './timing.js';
import type { MoveChatOnlineOptions, MoveChatResult, MoveStep, PlacementRow } from './types.js';

const BATCH = 500;
const LIBRARY_TABLES = new Set([PLACEMENT_TABLE, FENCE_TABLE, 'botdb_fence_guard']);

function check(o: MoveChatOnlineOptions): void {
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('moveChat', 'options', 'must be an object');
  if (!Number.isSafeInteger(o.chatId)) throw new InvalidArgumentError('moveChat', 'chatId', 'must be a safe integer');
  if (typeof o.to !== 'string' || o.to === '') throw new InvalidArgumentError('moveChat', 'to', 'must name a source');
  if (o.keepOld !== undefined && typeof o.keepOld !== 'boolean')
    throw new InvalidArgumentError('moveChat', 'keepOld', 'must be a boolean');
  for (const k of ['drainMs'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isFinite(v) || v < 0))
      throw new InvalidArgumentError('moveChat', k, 'must be a number of milliseconds >= 0');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The chat's own tables of a source (chat_id column), the library's left out. */
async function chatTables(writer: MoveWriter): Promise<TableShape[]> {
  return (await writer.tables()).filter((t) => t.chatScoped && !LIBRARY_TABLES.has(t.name));
}

async function withWriter<T>(side: Side, run: (w: MoveWriter) => Promise<T>): Promise<T> {
  const w = await side.openWriter();
  try {
    return await run(w);
  } finally {
    await w.close();
  }
}

export async function moveChatOnline(options: MoveChatOnlineOptions): Promise<MoveChatResult> {
  check(options);
  const { chatId, to, hooks } = options;
  // A configuration as written (botdb, a script) or the wrapper's normalized one: validated either way.
  const config = validateDatabaseConfig(options.config).config;
  const progress = (step: MoveStep, from: string, rows?: number) =>
    options.onProgress?.({ chatId, step, from, to, ...(rows === undefined ? {} : { rows }) });
  const target = sideOf(config, to, chatId);
  if (config.sources[to]?.readonly) throw new ReadonlySourceError(to, 'moveChat', chatId);
  if (Object.hasOwn(config.chatMapping, String(chatId))) {
    const pinned = config.chatMapping[String(chatId)];
    throw new ChatMoveError(
      chatId,
      `[database.chatMapping] pins it to "${pinned}", and an explicit mapping wins over a recorded placement.`,
      `remove ${chatId} from [database.chatMapping] (it then routes by placement, else the default or its shard) and reload the configuration in every process, then move it; or stop the bot and use botdb move (offline copy) and edit the mapping.`,
      { source: pinned },
    );
  }
  const system = sideOf(config, systemSourceOf(config), chatId);
  return withWriter(system, async (sys) => {
    await sys.execute(system.online.createPlacement.map((sql) => ({ sql, params: [] })));
    const row = (await readPlacementRows(sys, system.online)).find((r) => r.chatId === chatId);
    const current = async () => (await readPlacementRows(sys, system.online)).find((r) => r.chatId === chatId);
    // A placement write that only lands on the row as this mover knows it; else the other mover wins.
    const put: Put = async (expected, r) => {
      if (!(await casPlacement(sys, system.online, expected, { chatId, ...r })))
        throw lostRace(chatId, await current());
    };

    if (row?.state === 'switched') {
      // Interrupted after the switch: only the old copy's removal is left.
      if (row.source !== to) throw unfinished(chatId, row);
      const previous = row.previous as string;
      const rows = await finish(options, sideOf(config, previous, chatId), put, row.epoch, (s) =>
        progress(s, previous),
      );
      return { chatId, from: previous, to, epoch: row.epoch, rows: {}, removedOld: rows, outcome: 'resumed' };
    }
    if (row?.state === 'moving' && row.target !== to) throw unfinished(chatId, row);
    const from = row?.source ?? new Router(config).ownerOf(chatId);
    if (row?.state !== 'moving' && from === to) {
      // Recorded even when nothing moves: the chat stays here whatever the shard hash says later.
      if (row === undefined) await put(null, { source: to, state: 'placed', target: null, previous: null, epoch: 0 });
      return { chatId, from, to, epoch: row?.epoch ?? 0, rows: {}, removedOld: false, outcome: 'already-there' };
    }
    const resumed = row?.state === 'moving';
    const epoch = resumed ? (row as PlacementRow).epoch : (row?.epoch ?? 0) + 1;
    const source = sideOf(config, from, chatId);
    if (!resumed) {
      const expected = row === undefined ? null : { epoch: row.epoch, state: row.state };
      await put(expected, { source: from, state: 'moving', target: to, previous: null, epoch });
    }
    progress('intent', from);

    let placed = from;
    let counts: Record<string, number> = {};
    if (hooks !== undefined) await hooks.hold(chatId);
    progress('hold', from);
    try {
      counts = await withWriter(source, (sw) =>
        withWriter(target, async (tw) => {
          await fence(source, sw, target, tw, chatId, epoch);
          progress('fence', from);
          // Last look before the target's copy is deleted: a mover that switched meanwhile may have released
          // writes to it.
          const now = await current();
          if (now?.state !== 'moving' || now.epoch !== epoch || now.target !== to) throw lostRace(chatId, now);
          const copied = await copyChat(sw, source, tw, target, chatId, (n) => progress('copy', from, n));
          progress('verify', from);
          return copied;
        }),
      );
      await put({ epoch, state: 'moving' }, { source: to, state: 'switched', target: null, previous: from, epoch });
      placed = to;
      progress('switch', from);
    } finally {
      hooks?.release(chatId, placed);
    }
    progress('release', from);
    const removedOld = await finish(options, source, put, epoch, (s) => progress(s, from));
    return { chatId, from, to, epoch, rows: counts, removedOld, outcome: resumed ? 'resumed' : 'moved' };
  });
}

type Put = (expected: { epoch: number; state: string } | null, row: Omit<PlacementRow, 'chatId'>) => Promise<void>;

/** Another mover changed the chat's placement row first: this one stops before any destructive step. */
function lostRace(chatId: number, row: PlacementRow | undefined): ChatMoveError {
  const what =
    row === undefined
      ? 'its placement row is gone'
      : `another move holds it (placement state ${row.state}, epoch ${row.epoch}, ${row.state === 'moving' ? `to "${row.target}"` : `on "${row.source}"`})`;
  return new ChatMoveError(
    chatId,
    `${what}: this move lost the race for the placement row and stopped before changing any data.`,
    `wait for the other move to finish; if its process is dead, run botdb move --resume (or the same move again) once.`,
    row === undefined ? {} : { state: row.state, epoch: row.epoch },
  );
}

function unfinished(chatId: number, row: PlacementRow): ChatMoveError {
  const dest = row.state === 'moving' ? (row.target as string) : row.source;
  return new ChatMoveError(
    chatId,
    `an earlier move to "${dest}" is not finished (placement state ${row.state}, epoch ${row.epoch}).`,
    `finish it first: db.moveChat({ chatId: ${chatId}, to: "${dest}" }) or botdb move --resume; then move the chat again.`,
    { state: row.state, target: dest },
  );
}

/** Step 3: fence the chat in the source (tables and triggers created on first use), lift it in the target. */
async function fence(
  source: Side,
  sw: MoveWriter,
  target: Side,
  tw: MoveWriter,
  chatId: number,
  epoch: number,
): Promise<void> {
  const tables = (await chatTables(sw)).map((t) => t.name);
  await sw.execute(source.online.createFence(tables).map((sql) => ({ sql, params: [] })));
  await sw.transaction([...source.online.fence(chatId, target.name, epoch)]);
  if (await tableExists(tw, target.online, FENCE_TABLE)) await tw.transaction([target.online.unfence(chatId)]);
}

/** Step 4: the target's rows of the chat replaced by a copy of the (fenced, stable) source's, counts verified. */
async function copyChat(
  sw: MoveWriter,
  source: Side,
  tw: MoveWriter,
  target: Side,
  chatId: number,
  onRows: (n: number) => void,
): Promise<Record<string, number>> {
  const [sv, tv] = [await sw.schemaVersion(), await tw.schemaVersion()];
  if (sv !== tv) {
    throw new ChatMoveError(
      chatId,
      `source "${source.name}" is at schema version ${sv}, "${target.name}" at ${tv}.`,
      'open both with the bot (or the library) once so they are migrated, then run the same move again.',
    );
  }
  const reader: MoveReader = await source.openReader();
  try {
    const tables = await commonTables(reader, tw);
    const missing = (await chatTables(sw)).filter((t) => !tables.some((c) => c.name === t.name));
    for (const t of missing) {
      if ((await reader.count(t, { chatId })) > 0) {
        throw new ChatMoveError(
          chatId,
          `table ${t.name} of "${source.name}" holds rows of the chat, and "${target.name}" has no such table.`,
          'migrate both sources to the same schema, then run the same move again.',
        );
      }
    }
    const scoped = tables.filter((t) => t.chatScoped);
    await tw.transaction(scoped.map((t) => target.online.deleteChat(t.name, chatId)));
    const steps = await plan(reader, tw, tables, [chatId]);
    const counts: Record<string, number> = {};
    let done = 0;
    for (const step of steps) {
      const r = await copyStep(reader, tw, step, BATCH, (n) => {
        done += n;
        onRows(done);
      });
      if (r.destination !== r.source) {
        throw new ChatMoveError(
          chatId,
          `${r.table}: "${source.name}" holds ${r.source} rows of the chat, "${target.name}" ${r.destination} after the copy.`,
          'run the same move again (the copy is redone from the fenced source).',
          { table: r.table },
        );
      }
      counts[r.table] = r.source;
    }
    return counts;
  } finally {
    await reader.close();
  }
}

/** Step 7: wait out stale readers, then remove the old copy in one transaction (the fence stays), unless keepOld. */
async function finish(
  options: MoveChatOnlineOptions,
  source: Side,
  put: Put,
  epoch: number,
  progress: (step: MoveStep) => void,
): Promise<boolean> {
  const { chatId, to } = options;
  let removed = false;
  if (options.keepOld !== true) {
    progress('drain');
    await sleep(options.drainMs ?? DRAIN_MS);
    await withWriter(source, async (sw) => {
      const tables = await chatTables(sw);
      const online = source.online;
      await sw.transaction([
        ...online.setFenceState(chatId, 'purging'),
        ...tables.map((t) => online.deleteChat(t.name, chatId)),
        ...online.setFenceState(chatId, 'fenced'),
      ]);
    });
    removed = true;
    progress('remove');
  }
  await put({ epoch, state: 'switched' }, { source: to, state: 'placed', target: null, previous: source.name, epoch });
  progress('done');
  return removed;
}

/** Every recorded placement (an empty map when no chat was ever moved), read from the system source. */
export async function readPlacements(input: DatabaseConfig | DatabaseConfigInput): Promise<Map<number, PlacementRow>> {
  const config = validateDatabaseConfig(input).config;
  const system = sideOf(config, systemSourceOf(config), 0);
  return withWriter(system, async (sys) => {
    if (!(await tableExists(sys, system.online, PLACEMENT_TABLE))) return new Map();
    return new Map((await readPlacementRows(sys, system.online)).map((r) => [r.chatId, r]));
  });
}
