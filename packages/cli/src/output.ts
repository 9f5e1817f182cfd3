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
 * Characters a terminal may act on instead of showing: C0 controls (ESC starts ANSI sequences, \r
 * rewrites the line), DEL, C1 controls (0x9b is a one-byte CSI), and the Unicode line separators and
 * bidirectional overrides that reorder what is shown.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
}

/**
 * A value (a source name, a path, a message, anything read from a file or an argument) as text output may
 * show it: every control character escaped visibly (`\x1b`, `\r`, `\u202e`). Every command's text output
 * goes through it: the colour functions apply it to what they wrap, `out.line`/`err.line` to the whole line.
 */
export function printable(value: unknown): string {
  return String(value).replace(UNSAFE, escapeChar);
}

/** The SGR colour sequences picocolors writes (and nothing else): the only escapes a line may keep. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const SGR = /(\u001b\[[0-9;]*m)/;

/** A line as written: escaped, except for the colour sequences of our own colour functions. */
function safeLine(text: string): string {
  return text
    .split(SGR)
    .map((part, i) => (i % 2 === 1 ? part : printable(part)))
    .join('');
}

/**
 * Colours only for a terminal, and never with NO_COLOR. picocolors' own detection also colours
 * under CI=true, which would put escape codes into captured output. Each colour escapes what it wraps.
 */
function colorsFor(stream: NodeJS.WriteStream): Colors {
  const env = process.env;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  const colors = pc.createColors(!noColor && (force || stream.isTTY === true));
  const safe = { ...colors };
  for (const [name, fn] of Object.entries(colors)) {
    if (typeof fn === 'function') {
      (safe as Record<string, unknown>)[name] = (text: unknown) => (fn as (t: string) => string)(printable(text));
    }
  }
  return safe;
}

/**
 * JSON already escapes C0 controls; DEL, C1 and the Unicode separators and overrides are escaped too
 * (as \uXXXX: the same string to a parser, harmless on a terminal).
 */
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The --json document. Whenever it reports problems it also carries `error`: the first problem's code and
 * message, so every failure reads the same way for a script (`.error.code`), usage errors included.
 */
export function jsonText(value: unknown): string {
  let doc = value;
  if (value !== null && typeof value === 'object' && !('error' in value) && 'problems' in value) {
    const first = (value as { problems: readonly Problem[] }).problems[0];
    if (first !== undefined) {
      // After `ok`, before the rest: the first thing a reader of a failure sees.
      const error = { code: first.code, message: first.message };
      doc = { ...('ok' in value ? { ok: value.ok } : {}), error, ...value };
    }
  }
  return JSON.stringify(doc, null, 2).replace(
    JSON_UNSAFE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export const out = {
  c: colorsFor(process.stdout),
  line(text = ''): void {
    process.stdout.write(`${safeLine(text)}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${jsonText(value)}\n`);
  },
};

export const err = {
  c: colorsFor(process.stderr),
  line(text = ''): void {
    process.stderr.write(`${safeLine(text)}\n`);
  },
};

/** A problem as text lines: code, message, and each config issue with its key. */
export function problemLines(p: Problem, c: Colors = out.c): string[] {
  const head = `${c.red('✗')} ${c.bold(p.code)}${p.source === undefined ? '' : ` [${printable(p.source)}]`}: `;
  if (p.issues !== undefined && p.issues.length > 0) {
    return [
      `${head}${p.issues.length} problem${p.issues.length === 1 ? '' : 's'} in the configuration`,
      ...p.issues.map((i) => `    ${c.yellow(i.key)}: ${printable(i.message)} Fix: ${printable(i.fix)}`),
    ];
  }
  return [`${head}${printable(p.message)}`];
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
