/**
 * The one routing decision every method goes through.
 * Calls about a chat: explicit dataSource > chatMapping[chatId] > recorded placement (`placementOf`) >
 * the hash over the default shard group > the default source.
 * Calls about no chat: explicit dataSource > the system source for system-wide data (settings, media,
 * delayed tasks), the cache source for the cache > the default source (spam of every chat).
 * Writes never go to a readonly source. Only the system-wide writes that the bot lets name a source
 * (setSetting, setCacheEntry, clearCache, setCacheStorage) pass a dataSource; `DataApi` refuses it on
 * every other write before routing.
 * A dataSource that names no configured source follows `unknownDataSource`: "fallback" routes to
 * the default (the bot's behaviour; the caller is told once per name), "refuse" throws
 * UNKNOWN_SOURCE. An empty dataSource means none.
 */
import { CACHE_OPERATIONS, type DatabaseConfig } from '@pkg/config';
import { ReadonlySourceError, UnknownSourceError } from '@pkg/errors';
import { RendezvousGroup } from './shard-hash.js';

export interface RouteRequest {
  chatId?: number;
  dataSource?: string;
  write?: boolean;
  /** Named in errors, e.g. "saveChatMessage"; for calls about no chat it picks system, cache or default. */
  operation?: string;
}

/**
 * `fallback`: the dataSource named no configured source and the default was taken instead.
 * `placement`: the chat's recorded placement (a moved chat). `hash`: the default shard group's hash.
 * `system` / `cache`: system-wide data with no chat.
 */
export type RouteReason =
  | 'dataSource'
  | 'chatMapping'
  | 'placement'
  | 'hash'
  | 'system'
  | 'cache'
  | 'default'
  | 'fallback';

export interface RouteDecision {
  source: string;
  reason: RouteReason;
  readonly: boolean;
  /** The shard group `source` belongs to, when it is in one. */
  group?: string;
}

/**
 * Where a chat was placed by a move: its source, or undefined when no placement is recorded. Called on
 * every chat call, so it must answer from memory (the moves helper's placement cache).
 */
export type PlacementLookup = (chatId: number) => string | undefined;

export interface RouterOptions {
  /** Recorded placements, consulted after chatMapping and before the shard hash. */
  placementOf?: PlacementLookup;
}

/**
 * System-wide operations (settings, media, delayed tasks): the system source. The cache operations are
 * listed apart: they go to `[database] cache` when set (see `cacheSourceOf`), else to the system source.
 */
export const SYSTEM_OPERATIONS: ReadonlySet<string> = new Set([
  'setSetting',
  'getSetting',
  'getSettings',
  'addMediaAttachment',
  'updateMediaAttachment',
  'getMediaAttachment',
  'addDelayedTask',
  'updateDelayedTask',
  'getPendingDelayedTasks',
  'claimDelayedTasks',
  'releaseDelayedTasks',
]);

/** The cache operations (the list is config's, which also refuses a Redis source for anything else). */
const CACHE_OPS: ReadonlySet<string> = new Set(CACHE_OPERATIONS);

/** The one place the cache's source is decided: `[database] cache` when set, else the system source. */
export function cacheSourceOf(config: DatabaseConfig): string {
  return config.cache !== undefined && config.cache !== '' ? config.cache : systemSourceOf(config);
}

/** The source of system-wide data (a configuration built by hand may leave `system` out: the default). */
export function systemSourceOf(config: DatabaseConfig): string {
  return config.system ?? config.default;
}

/** "shard s2 of group chats (hash)", "source archive (chatMapping)": a decision in words. */
export function describeRoute(d: RouteDecision): string {
  return d.group === undefined
    ? `source ${d.source} (${d.reason})`
    : `shard ${d.source} of group ${d.group} (${d.reason})`;
}

export class Router {
  readonly defaultSource: string;
  /** Where settings, media, delayed tasks and chat placements live. */
  readonly systemSource: string;
  /** Where the cache lives. */
  readonly cacheSource: string;
  /** The default shard group's name, or undefined when `default` names a source. */
  readonly groupName: string | undefined;
  /** Sources in configuration order, the default first: the order cross-source reads merge in. */
  readonly sourceNames: readonly string[];
  /** The hash routing uses: over the group's `previous` membership while a rebalance is pending. */
  private readonly hash: RendezvousGroup | null;
  /** The hash over the group's configured sources: where `botdb shards apply` moves chats to. */
  private readonly target: RendezvousGroup | null;
  private readonly groupOfSource: Map<string, string>;
  private readonly chatMapping: Map<number, string>;
  private readonly readonlySources: Set<string>;
  private readonly known: Set<string>;
  private readonly refuseUnknown: boolean;
  private readonly onUnknownSource: (name: string) => void;
  private readonly placementOf: PlacementLookup | undefined;
  private readonly warnedUnknown = new Set<string>();

  /** `onUnknownSource` hears once per name that a dataSource named no source and fell back. */
  constructor(
    config: DatabaseConfig,
    onUnknownSource: (name: string) => void = () => undefined,
    options: RouterOptions = {},
  ) {
    this.defaultSource = config.default;
    this.systemSource = systemSourceOf(config);
    this.cacheSource = cacheSourceOf(config);
    const names = Object.keys(config.sources);
    this.sourceNames = [config.default, ...names.filter((n) => n !== config.default)];
    this.known = new Set(names);
    this.readonlySources = new Set(names.filter((n) => config.sources[n]?.readonly));
    this.chatMapping = new Map(Object.entries(config.chatMapping).map(([chat, source]) => [Number(chat), source]));
    this.refuseUnknown = config.unknownDataSource === 'refuse';
    this.onUnknownSource = onUnknownSource;
    this.placementOf = options.placementOf;
    this.groupOfSource = new Map();
    for (const [name, group] of Object.entries(config.shards ?? {})) {
      for (const source of group.sources) this.groupOfSource.set(source, name);
    }
    const group = config.defaultGroup === undefined ? undefined : config.shards?.[config.defaultGroup];
    this.groupName = group === undefined ? undefined : config.defaultGroup;
    this.target = group === undefined ? null : new RendezvousGroup(group.sources);
    this.hash = group === undefined ? null : new RendezvousGroup(group.previous ?? group.sources);
  }

  /** The source for a call; throws UnknownSourceError / ReadonlySourceError. Hot path: no allocation. */
  route(req: RouteRequest): string {
    let source: string;
    if (req.dataSource !== undefined) {
      // Known names cost one lookup; the empty and unknown cases are off the normal path.
      source = this.known.has(req.dataSource) ? req.dataSource : this.unknown(req.dataSource, req);
    } else if (req.chatId !== undefined) {
      source = this.ownerOf(req.chatId);
    } else {
      source = this.noChatSource(req.operation);
    }
    if (req.write && this.readonlySources.has(source)) {
      throw new ReadonlySourceError(source, req.operation ?? 'write', req.chatId);
    }
    return source;
  }

  /** The decision with its reason, for callers and logs. Refusals throw as in `route`. */
  explain(req: RouteRequest): RouteDecision {
    const source = this.route(req);
    const named = req.dataSource !== undefined && req.dataSource !== '';
    let reason: RouteReason;
    if (named) reason = this.known.has(req.dataSource as string) ? 'dataSource' : 'fallback';
    else if (req.chatId !== undefined) reason = this.chatReason(req.chatId);
    else if (req.operation !== undefined && CACHE_OPS.has(req.operation)) reason = 'cache';
    else if (req.operation !== undefined && SYSTEM_OPERATIONS.has(req.operation)) reason = 'system';
    else reason = 'default';
    const group = this.groupOfSource.get(source);
    const decision: RouteDecision = { source, reason, readonly: this.readonlySources.has(source) };
    if (group !== undefined) decision.group = group;
    return decision;
  }

  isReadonly(source: string): boolean {
    return this.readonlySources.has(source);
  }

  /**
   * The source that owns a chat's data (where its writes go, ignoring readonly): chatMapping > recorded
   * placement > the group's hash > the default source.
   */
  ownerOf(chatId: number): string {
    const mapped = this.chatMapping.get(chatId);
    if (mapped !== undefined) return mapped;
    if (this.placementOf !== undefined) {
      const placed = this.placementOf(chatId);
      if (placed !== undefined) return placed;
    }
    return this.hash === null ? this.defaultSource : this.hash.pick(chatId);
  }

  /**
   * Where the chat belongs under the group's configured membership, ignoring recorded placements and any
   * pending `previous` membership: where `botdb shards apply` moves it. The mapping still wins.
   */
  targetOf(chatId: number): string {
    return this.chatMapping.get(chatId) ?? (this.target === null ? this.defaultSource : this.target.pick(chatId));
  }

  /** The shard group a source belongs to, if any. */
  groupOf(source: string): string | undefined {
    return this.groupOfSource.get(source);
  }

  private chatReason(chatId: number): RouteReason {
    if (this.chatMapping.has(chatId)) return 'chatMapping';
    if (this.placementOf?.(chatId) !== undefined) return 'placement';
    return this.hash === null ? 'default' : 'hash';
  }

  /** System-wide data: system or cache source; anything else about no chat: the default source. */
  private noChatSource(operation: string | undefined): string {
    if (operation === undefined) return this.defaultSource;
    if (CACHE_OPS.has(operation)) return this.cacheSource;
    return SYSTEM_OPERATIONS.has(operation) ? this.systemSource : this.defaultSource;
  }

  /** A dataSource that is not a configured name: '' means none; others fall back or are refused. */
  private unknown(name: string, req: RouteRequest): string {
    if (name === '') return req.chatId === undefined ? this.noChatSource(req.operation) : this.ownerOf(req.chatId);
    if (this.refuseUnknown) throw new UnknownSourceError(name, this.sourceNames);
    if (!this.warnedUnknown.has(name)) {
      this.warnedUnknown.add(name);
      this.onUnknownSource(name);
    }
    return this.defaultSource;
  }
}
