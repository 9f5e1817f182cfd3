/** The sources an online move touches, opened through their engines' move tools (any process can run a move). */
import type { EngineName, SourceSpec } from '@pkg/broker';
import type { DatabaseConfig } from '@pkg/config';
import { ChatMoveError, UnknownSourceError } from '@pkg/errors';
import type { EngineTools, MoveReader, MoveWriter, OnlineSql } from '../engines/tools.js';
import { sourceSpecOf, toolsOf } from '../engines/tools-registry.js';

export interface Side {
  name: string;
  spec: SourceSpec;
  online: OnlineSql;
  openWriter(): Promise<MoveWriter>;
  openReader(): Promise<MoveReader>;
}

/** The source holding the placement table: `system` once configured (shard groups), else the default. */
export function systemSourceOf(config: DatabaseConfig): string {
  return (config as DatabaseConfig & { system?: string }).system ?? config.default;
}

export function sideOf(config: DatabaseConfig, name: string, chatId: number): Side {
  if (config.sources[name] === undefined) throw new UnknownSourceError(name, Object.keys(config.sources));
  const spec = sourceSpecOf(config, name);
  const tools = toolsOf(spec) as EngineTools<EngineName>;
  const online = tools.online;
  if (online === undefined) {
    throw new ChatMoveError(
      chatId,
      `source "${name}" (${spec.engine}) cannot take part in an online move (no placement or fence support).`,
      'move chats between SQLite, PostgreSQL and MySQL sources.',
      { source: name },
    );
  }
  return {
    name,
    spec,
    online,
    openWriter: () => tools.openWriter(spec as never),
    openReader: () => tools.openReader(spec as never),
  };
}

/** One row `{ n }` of OnlineSql.tableExists. */
export async function tableExists(writer: MoveWriter, online: OnlineSql, table: string): Promise<boolean> {
  const [rows] = await writer.execute([{ sql: online.tableExists(table), params: [] }]);
  return Number(rows?.[0]?.n ?? 0) > 0;
}
