/** `botdb route <chatId>`: where a read and a write for one chat go, and why. */
import type { LoadedConfig } from '@pkg/config';
import { DatabaseError, describeRoute, type RouteDecision, Router, readPlacements } from '@pkg/core';
import type { EngineName } from '@pkg/core/engines';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, err, out, printable, problemLines } from '../output.js';
import { toProblem, UsageError } from '../problems.js';
import { engineSource } from '../sources.js';

export interface RouteOptions extends ConfigOption {
  json?: boolean;
}

interface Leg {
  source: string;
  /** The source's engine. */
  type: EngineName;
  /** A file engine's file (SQLite); null for a server engine. */
  path: string | null;
  /** The file path, or the server URL without password and the schema. */
  location: string;
  /** The engine's own fields (PostgreSQL: url, schema). */
  [field: string]: unknown;
  reason: RouteDecision['reason'];
  /** The shard group the source belongs to, when it is in one. */
  group?: string;
  /** "shard s2 of group chats (hash)": the decision in words. */
  route: string;
  readonly: boolean;
  refused: boolean;
  /** Why the call is refused: the error the bot's call would get. */
  error?: { code: string; message: string };
}

const WHY: Record<RouteDecision['reason'], string> = {
  dataSource: 'named by dataSource',
  chatMapping: 'the chat is in [database.chatMapping]',
  placement: 'the chat was moved online: its recorded placement (system source)',
  hash: "not mapped and not placed, so the shard group's hash of the chat id",
  system: 'system-wide data, so the system source',
  cache: 'cache data, so the cache source',
  default: 'not in [database.chatMapping], so the default source',
  fallback: 'dataSource names no configured source, so the default source (unknown-data-source = "fallback")',
};

/** A chat id as the bot has them: a whole number, negative for groups (-100... for supergroups). */
export function parseChatId(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n)) {
    throw new UsageError(`chat id "${text}" is not a whole number (e.g. -1001234567890 or 100100).`);
  }
  return n;
}

export async function runRoute(chatIdText: string, opts: RouteOptions): Promise<number> {
  const chatId = parseChatId(chatIdText);
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(opts);
  } catch (error) {
    const p = toProblem(error);
    if (opts.json) out.json({ ok: false, problems: [p] });
    else for (const l of problemLines(p)) out.line(l);
    return EXIT.problems;
  }
  const { config } = loaded;
  // The Router is exactly what DatabaseWrapper.routeFor explains with; using it directly answers
  // without starting a worker per source (which would open, and possibly create, every file).
  // Recorded placements (moved chats) are read from the system source; without them the hash still answers.
  let placements = new Map<number, { source: string }>();
  try {
    placements = await readPlacements(config);
  } catch (error) {
    err.line(`warning: recorded placements not read (${printable(toProblem(error).message)}); routing without them.`);
  }
  const router = new Router(config, undefined, { placementOf: (id) => placements.get(id)?.source });
  const where = (name: string): Pick<Leg, 'type' | 'path' | 'location'> => {
    const { spec, tools } = engineSource(config, name);
    const place = tools.place(spec);
    return { type: place.type, path: place.path, location: place.location, ...place.fields };
  };
  const leg = (decision: RouteDecision): Leg => ({
    source: decision.source,
    ...where(decision.source),
    reason: decision.reason,
    ...(decision.group === undefined ? {} : { group: decision.group }),
    route: describeRoute(decision),
    readonly: decision.readonly,
    refused: false,
  });

  const read = leg(router.explain({ chatId }));
  let write: Leg;
  try {
    write = leg(router.explain({ chatId, write: true, operation: 'a write' }));
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    // The refusal names the source; where it would have gone is the chat's owner.
    const owner = router.ownerOf(chatId);
    write = {
      source: owner,
      ...where(owner),
      reason: read.reason,
      ...(read.group === undefined ? {} : { group: read.group }),
      route: read.route,
      readonly: true,
      refused: true,
      error: { code: error.code, message: error.message },
    };
  }

  // The cache operations (getCacheEntry, setCacheEntry, ...) go to [database] cache when set, whatever the chat.
  const cacheSource = config.cache ?? router.defaultSource;
  const cache = { source: cacheSource, ...where(cacheSource), configured: config.cache !== undefined };
  if (opts.json) {
    out.json({ ok: true, config: loaded.filepath, chatId, read, write, cache });
    return EXIT.ok;
  }
  const c = out.c;
  out.line(`${c.bold('chat')} ${chatId}`);
  out.line(
    `  read  -> ${c.bold(read.group === undefined ? read.source : read.route)}${read.readonly ? ' (readonly)' : ''}: ${WHY[read.reason]}`,
  );
  out.line(`           ${printable(read.location)}`);
  if (write.refused) {
    out.line(`  write -> ${c.red('refused')}: routes to ${c.bold(write.source)}, which is readonly`);
    out.line(`           ${printable(write.error?.code)}: ${printable(write.error?.message)}`);
  } else {
    out.line(`  write -> ${c.bold(write.group === undefined ? write.source : write.route)}: ${WHY[write.reason]}`);
    out.line(`           ${printable(write.location)}`);
  }
  out.line(
    `  cache -> ${c.bold(cache.source)}: ${cache.configured ? '[database] cache' : 'no [database] cache, so the default source'} (the cache operations, any chat)`,
  );
  out.line(`           ${printable(cache.location)}`);
  return EXIT.ok;
}
