/** Where output goes: results on stdout (clean for scripts), progress and diagnostics on stderr. */
import pc from 'picocolors';

/** Exit codes every command keeps to. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** One thing that is wrong, as scripts see it in --json. */
export interface Problem {
  /** A DatabaseError code (CONFIG_INVALID, SOURCE_OPEN_FAILED, ...) or a file-check code (see docs/cli.md). */
  code: string;
  message: string;
  /** The source it concerns, when there is one. */
  source?: string;
  /** For CONFIG_INVALID: every bad key with its fix. */
  issues?: readonly { key: string; message: string; fix: string }[];
}

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colours only for a terminal, and never with NO_COLOR. picocolors' own detection also colours
 * under CI=true, which would put escape codes into captured output.
 */
function colorsFor(stream: NodeJS.WriteStream): Colors {
  const env = process.env;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  return pc.createColors(!noColor && (force || stream.isTTY === true));
}

export const out = {
  c: colorsFor(process.stdout),
  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  },
};

export const err = {
  c: colorsFor(process.stderr),
  line(text = ''): void {
    process.stderr.write(`${text}\n`);
  },
};

/** A problem as text lines: code, message, and each config issue with its key. */
export function problemLines(p: Problem, c: Colors = out.c): string[] {
  const head = `${c.red('✗')} ${c.bold(p.code)}${p.source === undefined ? '' : ` [${p.source}]`}: `;
  if (p.issues !== undefined && p.issues.length > 0) {
    return [
      `${head}${p.issues.length} problem${p.issues.length === 1 ? '' : 's'} in the configuration`,
      ...p.issues.map((i) => `    ${c.yellow(i.key)}: ${i.message} Fix: ${i.fix}`),
    ];
  }
  return [`${head}${p.message}`];
}

/** Bytes as a short human figure (1.5 MiB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
