/**
 * The Lua scripts of a Redis cache source: each write is one atomic script (one round trip), stamped with
 * the server's clock (TIME), as the SQL engines stamp rows with the server's CURRENT_TIMESTAMP. Key layout:
 * keys.ts. Scripts touch only keys of one hash-tag slot.
 */

/** Seconds and ms of the server's clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1])
local nowms = now * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Every write: the entry expires max-age after it, its index member likewise; expired members pruned. */
const INDEX = (member: string) => `redis.call('PEXPIRE', KEYS[1], maxage)
redis.call('ZADD', KEYS[2], nowms + maxage, ${member})
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowms)
redis.call('PEXPIRE', KEYS[2], maxage)`;

/** KEYS: entry, index. ARGV: data, max-age ms, the cache key (index member). created_at kept on update. */
export const SET_CACHE_ENTRY = `${NOW}
local maxage = tonumber(ARGV[2])
redis.call('HSETNX', KEYS[1], 'c', now)
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'u', now)
${INDEX('ARGV[3]')}
return 1`;

/** KEYS: entry. Returns {data, created_at, updated_at, now ms} or nil. */
export const GET_CACHE_ENTRY = `local e = redis.call('HMGET', KEYS[1], 'd', 'c', 'u')
if e[1] == false then return nil end
${NOW}
return {e[1], e[2], e[3], tostring(nowms)}`;

/** KEYS: index. ARGV: the type's entry key prefix. Deletes the type's entries (O(its keys)) and its index. */
export const CLEAR_CACHE = `local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #members, 500 do
  local batch = {}
  for j = i, math.min(i + 499, #members) do batch[#batch + 1] = ARGV[1] .. members[j] end
  redis.call('UNLINK', unpack(batch))
end
redis.call('UNLINK', KEYS[1])
return 1`;

/** KEYS: entry, index, counter. ARGV: value, max-age ms, member. A new pair gets the next insertion number. */
export const SET_CACHE_STORAGE = `${NOW}
local maxage = tonumber(ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'r', redis.call('INCR', KEYS[3]))
end
redis.call('PEXPIRE', KEYS[3], maxage)
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', now)
${INDEX('ARGV[3]')}
return 1`;

/** KEYS: entry, index. ARGV: member. */
export const UNSET_CACHE_STORAGE = `redis.call('UNLINK', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/** KEYS: index. ARGV: entry key prefix. Every live pair: {member, value, updated_at, insertion number, ...}. */
export const GET_CACHE_STORAGE = `${NOW}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], nowms + 1, '+inf')
local out = {}
for _, m in ipairs(members) do
  local e = redis.call('HMGET', ARGV[1] .. m, 'v', 'u', 'r')
  if e[1] ~= false then
    out[#out + 1] = m
    out[#out + 1] = e[1]
    out[#out + 1] = e[2]
    out[#out + 1] = e[3]
  end
end
return out`;

/** The index expires with its last member: never before `expires` (ms). */
const INDEX_LIVES_UNTIL = `local pttl = redis.call('PTTL', KEYS[2])
if pttl < 0 or nowms + pttl < expires then redis.call('PEXPIREAT', KEYS[2], expires) end`;

/**
 * botdb move --cache. KEYS: entry, index. ARGV: data, created_at (s), updated_at (s), max-age ms, member.
 * 0 (nothing written) when the entry exists or would expire at once.
 */
export const IMPORT_CACHE_ENTRY = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
${NOW}
local expires = tonumber(ARGV[3]) * 1000 + tonumber(ARGV[4])
if expires <= nowms then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'c', ARGV[2], 'u', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], expires)
redis.call('ZADD', KEYS[2], expires, ARGV[5])
${INDEX_LIVES_UNTIL}
return 1`;

/** botdb move --cache. KEYS: entry, index, counter. ARGV: value, updated_at (s), max-age ms, member. */
export const IMPORT_CACHE_STORAGE = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
${NOW}
local expires = tonumber(ARGV[2]) * 1000 + tonumber(ARGV[3])
if expires <= nowms then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', ARGV[2], 'r', redis.call('INCR', KEYS[3]))
redis.call('PEXPIREAT', KEYS[1], expires)
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], expires, ARGV[4])
${INDEX_LIVES_UNTIL}
return 1`;
