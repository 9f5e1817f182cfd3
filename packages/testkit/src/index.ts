/**
 * @pkg/testkit: fixtures for the other packages' tests — temp dirs, the reference bot database and its
 * expected reads/recorded writes, a deterministic sample-data generator, an op replayer, a multi-source layout, and
 * throwaway servers (PostgreSQL alone or with streaming standbys, MariaDB, Redis alone or with a sentinel).
 */
export {
  chatIdsOf,
  formatDbDate,
  type GenerateSampleChatsOptions,
  generateSampleChats,
  MESSAGE_CATEGORIES,
  MESSAGE_TYPES,
  mulberry32,
  type SampleChat,
  type SampleChats,
  SPAM_REASONS,
} from './generate.js';
export { type LayoutSource, type MultiSourceConfig, type MultiSourceLayout, multiSourceLayout } from './layout.js';
export {
  findMariaDbBinaries,
  MARIADB_MISSING_REASON,
  MARIADB_SKIP_LINE,
  type MariaDbBinaries,
  type MariaDbStopMode,
  MYSQL_URL_ENV,
  mariaDbTestAvailable,
  startTestMariaDb,
  startTestMariaDbServer,
  type TestMariaDb,
  type TestMariaDbServer,
} from './mariadb.js';
export {
  findPgReplicationBinDir,
  PG_PRIMARY_URL_ENV,
  PG_REPLICA_URLS_ENV,
  PG_REPLICATION_MISSING_REASON,
  PG_REPLICATION_SKIP_LINE,
  type PgNodeStopMode,
  pgReplicationTestAvailable,
  startTestPgReplicaCluster,
  startTestPgReplication,
  type TestPgNode,
  type TestPgReplicaCluster,
  type TestPgReplicaClusterOptions,
  type TestPgReplication,
} from './pg-replication.js';
export {
  findPostgresBinDir,
  PG_MISSING_REASON,
  PG_SKIP_LINE,
  PG_URL_ENV,
  type PgStopMode,
  postgresTestAvailable,
  startTestCluster,
  startTestPostgres,
  type TestPostgres,
  type TestPostgresCluster,
  testSchemaName,
} from './postgres.js';
export {
  findRedisBinaries,
  REDIS_MISSING_REASON,
  REDIS_SKIP_LINE,
  REDIS_URL_ENV,
  type RedisBinaries,
  type RedisStopMode,
  redisTestAvailable,
  startTestRedis,
  startTestRedisServer,
  type TestRedis,
  type TestRedisServer,
  type TestRedisServerOptions,
} from './redis.js';
export {
  type RedisCommandOptions,
  type RedisReply,
  RedisReplyError,
  redisCommand,
  redisInfo,
  redisPipeline,
} from './redis-protocol.js';
export {
  type RedisAddress,
  startTestRedisSentinel,
  type TestRedisSentinel,
  type TestRedisSentinelOptions,
} from './redis-sentinel.js';
export {
  copyReferenceDb,
  REFERENCE,
  REFERENCE_CHAT_IDS,
  type ReferenceChatExpected,
  type ReferenceExpected,
  type ReferenceMember,
  type ReferenceShape,
  type ReferenceUserExpected,
  type ReferenceWrites,
  readReferenceExpected,
  readReferenceWrites,
} from './reference.js';
export {
  asStored,
  collectReferenceReads,
  type ReferenceReader,
  storedText,
  withLibraryTieOrder,
  withoutWallClock,
} from './reference-reads.js';
export { replay } from './replay.js';
export { createTempDir, fileSha256, type TempDir } from './tempdir.js';
export type { ChatType, JsonObject, JsonPrimitive, JsonRow, JsonValue, WriteOp } from './types.js';
