/** Which engine a configured source is, for `botdb move`: the one place a source of the configuration becomes a target. */
import type { SourceConfig } from '@pkg/config';
import type { PgTarget } from './pg-engine.js';

export type MoveTarget =
  | { engine: 'sqlite'; name: string; path: string; timeoutMs: number; readonly: boolean }
  | ({ engine: 'postgresql' } & PgTarget);

/** The configured source `name` as an engine target. */
export function targetOf(name: string, source: SourceConfig): MoveTarget {
  if (source.type === 'postgresql') {
    return {
      engine: 'postgresql',
      name,
      url: source.url,
      passwordEnv: source.passwordEnv,
      schema: source.schema,
      timeoutMs: Math.round(source.timeout * 1000),
      readonly: source.readonly,
    };
  }
  return {
    engine: 'sqlite',
    name,
    path: source.path,
    timeoutMs: Math.round(source.timeout * 1000),
    readonly: source.readonly,
  };
}
