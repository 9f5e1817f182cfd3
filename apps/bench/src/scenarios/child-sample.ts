/** A measurement run in a fresh child process (node --expose-gc), so its memory baseline is not the bench's heap. */
import { fork } from 'node:child_process';
import { collectGarbage, sleep } from '../measure.js';

/** Runs `module` with `args` in a child; resolves with the one message it sends back before exiting 0. */
export function childSample<T>(module: URL, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(module, args, { execArgv: ['--expose-gc'] });
    let got: T | undefined;
    child.on('message', (m) => {
      got = m as T;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      got !== undefined && code === 0 ? resolve(got) : reject(new Error(`${module.pathname} exited with ${code}`)),
    );
  });
}

/** Three full GCs 50 ms apart: what is left is what is held. */
export async function settled(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await sleep(50);
  }
}
