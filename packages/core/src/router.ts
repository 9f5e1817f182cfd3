/**
 * The one routing decision every method goes through.
 * Reads: explicit dataSource > chatMapping[chatId] > default.
 * Writes: chatMapping[chatId] > default, never dataSource, and never a readonly source.
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

export type RouteReason = 'dataSource' | 'chatMapping' | 'default';

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

  constructor(config: DatabaseConfig) {
    this.defaultSource = config.default;
    const names = Object.keys(config.sources);
    this.sourceNames = [config.default, ...names.filter((n) => n !== config.default)];
    this.known = new Set(names);
    this.readonlySources = new Set(names.filter((n) => config.sources[n]?.readonly));
    this.chatMapping = new Map(Object.entries(config.chatMapping).map(([chat, source]) => [Number(chat), source]));
  }

  /** The source for a call; throws UnknownSourceError / ReadonlySourceError. Hot path: no allocation. */
  route(req: RouteRequest): string {
    let source: string;
    if (req.write) {
      source = (req.chatId === undefined ? undefined : this.chatMapping.get(req.chatId)) ?? this.defaultSource;
      if (this.readonlySources.has(source)) {
        throw new ReadonlySourceError(source, req.operation ?? 'write', req.chatId);
      }
      return source;
    }
    if (req.dataSource !== undefined) {
      if (!this.known.has(req.dataSource)) throw new UnknownSourceError(req.dataSource, this.sourceNames);
      return req.dataSource;
    }
    return (req.chatId === undefined ? undefined : this.chatMapping.get(req.chatId)) ?? this.defaultSource;
  }

  /** The decision with its reason, for callers and logs. Refusals throw as in `route`. */
  explain(req: RouteRequest): RouteDecision {
    const source = this.route(req);
    const reason: RouteReason =
      !req.write && req.dataSource !== undefined
        ? 'dataSource'
        : req.chatId !== undefined && this.chatMapping.has(req.chatId)
          ? 'chatMapping'
          : 'default';
    return { source, reason, readonly: this.readonlySources.has(source) };
  }

  isReadonly(source: string): boolean {
    return this.readonlySources.has(source);
  }

  /** The source that owns a chat's data (where its writes go, ignoring readonly). */
  ownerOf(chatId: number): string {
    return this.chatMapping.get(chatId) ?? this.defaultSource;
  }
}
