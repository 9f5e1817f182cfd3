/**
 * Packs the public packages as pnpm publishes them (`workspace:*` replaced by versions) and publishes
 * the tarballs to the throwaway registry with npm, as a release would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.js';

/** The packages a bot installs, dependencies first (folders under packages/). */
export const PUBLIC_PACKAGES = ['errors', 'config', 'broker', 'core', 'metrics', 'cli'] as const;

export interface Packed {
  name: string;
  version: string;
  tarball: string;
  /** The tarball's file list, without the leading `package/`. */
  files: string[];
  /** The package.json inside the tarball. */
  manifest: Record<string, unknown>;
}

export async function packAll(workspace: string, destination: string, timeoutMs: number): Promise<Packed[]> {
  const packed: Packed[] = [];
  for (const folder of PUBLIC_PACKAGES) {
    const dir = join(workspace, 'packages', folder);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    if (manifest.private !== false) {
      throw new Error(
        `packages/${folder}/package.json: "private" is ${manifest.private}; a package a bot installs must be "private": false`,
      );
    }
    const { stdout } = await run('npx', ['-y', 'pnpm@9.15.9', 'pack', '--pack-destination', destination], {
      cwd: dir,
      timeoutMs,
    });
    const tarball = stdout.trim().split('\n').pop()?.trim() ?? '';
    const list = await run('tar', ['-tzf', tarball], { cwd: destination, timeoutMs });
    const inside = await run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: destination, timeoutMs });
    packed.push({
      name: String(manifest.name),
      version: String(manifest.version),
      tarball,
      files: list.stdout
        .split('\n')
        .filter((f) => f !== '')
        .map((f) => f.replace(/^package\//, '')),
      manifest: JSON.parse(inside.stdout) as Record<string, unknown>,
    });
  }
  return packed;
}

export async function publishAll(packed: readonly Packed[], folder: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  for (const p of packed) {
    await run('npm', ['publish', p.tarball, '--access', 'public'], { cwd: folder, env, timeoutMs });
  }
}
