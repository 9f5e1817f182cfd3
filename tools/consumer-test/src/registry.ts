/**
 * A throwaway npm registry: verdaccio on a free port of 127.0.0.1, its storage, config and users in a
 * temp folder. `@pkg/*` is served only from what is published here; everything else is proxied to the
 * registry this machine's npm uses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { killGroup } from './run.js';

export interface Registry {
  url: string;
  /** An `.npmrc` line granting publish rights on this registry. */
  authLine: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startRegistry(folder: string, upstream: string, timeoutMs: number): Promise<Registry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(folder, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(folder, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(folder, 'htpasswd'))}`,
      'uplinks:',
      '  upstream:',
      `    url: ${JSON.stringify(upstream)}`,
      '    timeout: 120s',
      '    max_fails: 10',
      'packages:',
      "  '@pkg/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'web:',
      '  enable: false',
      'logs: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const bin = require.resolve('verdaccio/bin/verdaccio');
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: folder,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d;
  });
  const stop = () => stopChild(child);
  try {
    await waitUntilUp(url, child, timeoutMs, () => output);
    const authLine = `//127.0.0.1:${port}/:_authToken=${await addUser(url)}`;
    return { url, authLine, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not answer ${url}-/ping within ${timeoutMs / 1000} s:\n${output()}`);
}

/** Creates the publishing user (verdaccio's htpasswd plugin signs up on first PUT) and returns its token. */
async function addUser(url: string): Promise<string> {
  const name = 'consumer-test';
  const res = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'consumer-test-password', type: 'user', roles: [] }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || body.token === undefined) {
    throw new Error(`verdaccio refused to add the publishing user: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  const stopped = await Promise.race([closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
  if (!stopped) {
    killGroup(child.pid);
    await closed;
  }
}
