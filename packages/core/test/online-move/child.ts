/** The child processes of online-move.test.ts: a second bot writing, a mover to SIGKILL. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Acked } from './traffic.js';

const WRITER = fileURLToPath(new URL('../fixtures/online-writer.mjs', import.meta.url));
const MOVER = fileURLToPath(new URL('../fixtures/online-mover.mjs', import.meta.url));

/** Hands each stdout line of the child to `onLine`. */
function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
}

/** Resolves once a line matching `re` was seen (bounded), rejects when the child exits first. */
function waitLine(child: ChildProcess, seen: string[], re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`no "${re}" from the child within ${ms} ms: ${seen.slice(-5)}`)),
      ms,
    );
    const check = () => {
      if (seen.some((l) => re.test(l))) {
        clearTimeout(deadline);
        resolve();
      } else if (child.exitCode !== null || child.signalCode !== null) {
        clearTimeout(deadline);
        reject(new Error(`the child exited (${child.exitCode ?? child.signalCode}) before "${re}": ${seen.slice(-5)}`));
      } else setTimeout(check, 20);
    };
    check();
  });
}

export interface WriterProcess {
  acks(): number;
  stop(): Promise<{ acked: Acked; errors: string[] }>;
}

/** A second bot process writing into `chats` until stopped. */
export async function startWriterProcess(
  config: unknown,
  chats: readonly number[],
  prefix: string,
): Promise<WriterProcess> {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(config), JSON.stringify(chats), prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const seen: string[] = [];
  const acked: Acked = new Map();
  const errors: string[] = [];
  let n = 0;
  lines(child, (line) => {
    if (line.startsWith('ack ')) {
      const [, chat, id] = line.split(' ');
      const list = acked.get(Number(chat)) ?? [];
      list.push(id as string);
      acked.set(Number(chat), list);
      n++;
    } else if (line.startsWith('err ')) errors.push(line);
    else seen.push(line);
  });
  await waitLine(child, seen, /^ready$/, 60_000);
  return {
    acks: () => n,
    async stop() {
      child.stdin?.end();
      await waitLine(child, seen, /^done$/, 120_000);
      return { acked, errors };
    },
  };
}

/** Runs a move in a child process and SIGKILLs it at the first progress line matching `killAt`; resolves the steps seen. */
export async function killMoverAt(config: unknown, chatId: number, to: string, killAt: RegExp): Promise<string[]> {
  const child = spawn(process.execPath, [MOVER, JSON.stringify(config), String(chatId), to], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: string[] = [];
  lines(child, (line) => {
    seen.push(line);
    if (killAt.test(line)) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return seen;
}
