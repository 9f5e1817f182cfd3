/**
 * `@pkg/broker/engines`: the engines' driver halves for code that opens a source's database without a
 * worker (the `botdb` command, through core's engine tools): the same connection options, password
 * lookup (password-env, PGPASSWORD, ~/.pgpass) and error mapping as a source's worker. SQLite's
 * `openSqlite` is `@pkg/broker/sqlite-driver`, kept apart because its declarations name better-sqlite3's
 * types, which a bot without SQLite does not install.
 */

export {
  connectMysql,
  isMysqlConnectionLost,
  MYSQL_SQL_MODE,
  type MysqlTarget,
  mysqlOpenError,
  mysqlPassword,
} from './mysql/connect.js';
export { isConnectionLost as isMysqlSessionLost, toMysqlError } from './mysql/errors.js';
export { connectPostgres, type PostgresTarget } from './postgresql/connect.js';
export { isConnectionLost, pgOpenError, pgPassword, toPgError } from './postgresql/errors.js';
export { connectRedis, type RedisTarget, redisOptions, whenReady } from './redis/connect.js';
export { isRedisUnavailable, toRedisError } from './redis/errors.js';
