/**
 * The smallest Redis client a test setup needs: one command on a fresh TCP connection, one reply (RESP2).
 * It lets the testkit wait for its servers (PING, INFO, SENTINEL ...) and lets tests poke a server without a
 * Redis driver: the driver belongs to the package under test.
 */
import { connect } from 'node:net';

/** A reply: simple or bulk string, integer, nil (null), or an array of replies. */
export type RedisReply = string | number | null | RedisReply[];

/** The server answered with an error reply (`-ERR ...`, `-LOADING ...`). */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

/** A command as RESP: an array of bulk strings. */
function encode(args: readonly (string | number)[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

type Parsed = { value: RedisReply | RedisReplyError; next: number } | undefined;

/** One reply from `buffer` at `offset`, or undefined when more bytes are needed. */
function parse(buffer: Buffer, offset: number): Parsed {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new RedisReplyError(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        // An error inside an array (EXEC) is kept as its message: rare in a test setup.
        items.push(item.value instanceof RedisReplyError ? item.value.message : item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buffer.toString('utf8', offset, offset + 40))}`);
  }
}

/** Where and how long: 127.0.0.1 unless `host`; `timeoutMs` bounds the whole exchange (default 5 s). */
export interface RedisCommandOptions {
  host?: string;
  timeoutMs?: number;
}

/**
 * Sends `commands` in order on one fresh connection (so `SET` then `WAIT` concern the same client) and resolves
 * with their replies; rejects with the first error reply (a RedisReplyError), or an Error when the connection
 * fails or `timeoutMs` passes.
 */
export function redisPipeline(
  port: number,
  commands: readonly (readonly (string | number)[])[],
  options: RedisCommandOptions = {},
): Promise<RedisReply[]> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const what = `redis ${host}:${port} ${commands.map((c) => String(c[0])).join(', ')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | null, replies: RedisReply[] = []) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`${what}: no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(Buffer.concat(commands.map(encode))));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const replies: RedisReply[] = [];
        let at = 0;
        while (replies.length < commands.length) {
          const reply = parse(received, at);
          if (!reply) return; // more bytes to come
          if (reply.value instanceof RedisReplyError) return finish(reply.value);
          replies.push(reply.value);
          at = reply.next;
        }
        finish(null, replies);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.once('error', (error) => finish(new Error(`${what}: ${error.message}`)));
    socket.once('close', () => finish(new Error(`${what}: connection closed before every reply`)));
  });
}

/**
 * Sends `args` (`['SET', 'k', 'v']`) on a fresh connection and resolves with the reply; rejects as
 * `redisPipeline` does. Each call is a new client: `WAIT` belongs in a pipeline after the write it waits for.
 */
export async function redisCommand(
  port: number,
  args: readonly (string | number)[],
  options: RedisCommandOptions = {},
): Promise<RedisReply> {
  const [reply] = await redisPipeline(port, [args], options);
  return reply ?? null;
}

/** `INFO <section>` as a map of its `field:value` lines. */
export async function redisInfo(port: number, section: string): Promise<Map<string, string>> {
  const text = await redisCommand(port, ['INFO', section]);
  const fields = new Map<string, string>();
  for (const line of String(text).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
