/**
 * The one routing decision every method goes through.
 * Reads: explicit dataSource > chatMapping[chatId] > recorded placement (an online move's) > default.
 * Writes: chatMapping[chatId] > placement > default, and never a readonly source. Only the system-wide writes
 * that the bot lets name a source (setSetting, setCacheEntry, clearCache, setCacheStorage) pass a
 * dataSource; `DataApi` refuses it on every other write before routing.
 * A dataSource that names no configured source follows `unknownDataSource`: "fallback" routes to
 * the default (the bot's behaviour; the caller is told once per name), "refuse" throws
 * UNKNOWN_SOURCE. An empty dataSource means none.
 */
import type { DatabaseConfig } from '@pkg/config';
import { ReadonlySourceError, UnknownSourceError } from '@pkg/errors';

export interface RouteRequest {
  chatId?: number;
  dataSource?: string;
  write?: boolean;
  /** Named in errors, e.g. "saveChatMessage". */
  operation?: string;
}

/** `fallback`: the dataSource named no configured source and the default was taken instead. */
export type RouteReason = 'dataSource' | 'chatMapping' | 'placement' | 'default' | 'fallback';

export interface RouteDecision {
  source: string;
  reason: RouteReason;
  readonly: boolean;
}

export class Router {
  readonly defaultSource: string;
  /** Sources in configuration order, the default first: the order cross-source reads merge in. */
  readonly sourceNames: readonly string[];
  private readonly chatMapping: Map<number, string>;
  private readonly readonlySources: Set<string>;
  private readonly known: Set<string>;
  private readonly refuseUnknown: boolean;
  private readonly onUnknownSource: (name: string) => void;
  private readonly warnedUnknown = new Set<string>();
  private readonly placementOf: (chatId: number) => string | undefined;

  /** `onUnknownSource` hears once per name that a dataSource named no source and fell back. */
  /** `placementOf`: the recorded placement of a chat moved online (placement/placement-cache.ts), if any. */
  constructor(
    config: DatabaseConfig,
    onUnknownSource: (name: string) => void = () => undefined,
    placementOf: (chatId: number) => string | undefined = () => undefined,
  ) {
    this.placementOf = placementOf;
    this.defaultSource = config.default;
    const names = Object.keys(config.sources);
    this.sourceNames = [config.default, ...names.filter((n) => n !== config.default)];
    this.known = new Set(names);
    this.readonlySources = new Set(names.filter((n) => config.sources[n]?.readonly));
    this.chatMapping = new Map(Object.entries(config.chatMapping).map(([chat, source]) => [Number(chat), source]));
    this.refuseUnknown = config.unknownDataSource === 'refuse';
    this.onUnknownSource = onUnknownSource;
  }

  /** The source for a call; throws UnknownSourceError / ReadonlySourceError. Hot path: no allocation. */
  route(req: RouteRequest): string {
    let source: string;
    if (req.dataSource !== undefined) {
      // Known names cost one lookup; the empty and unknown cases are off the normal path.
      source = this.known.has(req.dataSource) ? req.dataSource : this.unknown(req.dataSource, req.chatId);
    } else {
      source = req.chatId === undefined ? this.defaultSource : this.ownerOf(req.chatId);
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
    const reason: RouteReason = named
      ? this.known.has(req.dataSource as string)
        ? 'dataSource'
        : 'fallback'
      : req.chatId !== undefined && this.chatMapping.has(req.chatId)
        ? 'chatMapping'
        : req.chatId !== undefined && this.placementOf(req.chatId) !== undefined
          ? 'placement'
          : 'default';
    return { source, reason, readonly: this.readonlySources.has(source) };
  }

  isReadonly(source: string): boolean {
    return this.readonlySources.has(source);
  }

  /** The source that owns a chat's data (where its writes go, ignoring readonly). */
  ownerOf(chatId: number): string {
    return this.chatMapping.get(chatId) ?? this.placementOf(chatId) ?? this.defaultSource;
  }

  /** A dataSource that is not a configured name: '' means none; others fall back or are refused. */
  private unknown(name: string, chatId: number | undefined): string {
    if (name === '') return chatId === undefined ? this.defaultSource : this.ownerOf(chatId);
    if (this.refuseUnknown) throw new UnknownSourceError(name, this.sourceNames);
    if (!this.warnedUnknown.has(name)) {
      this.warnedUnknown.add(name);
      this.onUnknownSource(name);
    }
    return this.defaultSource;
  }
}
