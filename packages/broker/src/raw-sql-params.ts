/**
 * What every engine's raw-SQL binding (its dialect's `bindRaw`) shares: telling named values from
 * positional ones, and refusing a NUL byte where the engine's text cannot hold one.
 */
import { InvalidArgumentError } from '@pkg/errors';

/** An object of named values (not a value to bind itself). */
export function isNamed(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof Date) && !Array.isArray(v);
}

/** The one object of named values among `params`, or null for positional values. */
export function namedValues(params: readonly unknown[]): Record<string, unknown> | null {
  return params.length === 1 && isNamed(params[0]) ? (params[0] as Record<string, unknown>) : null;
}

/** `named`'s values in the order of `names` (the text's parameters); INVALID_ARGUMENT for a missing one. */
export function valuesByName(
  what: string,
  named: Record<string, unknown>,
  names: readonly string[],
  check?: (argument: string, value: unknown) => void,
): unknown[] {
  return names.map((name) => {
    if (!Object.hasOwn(named, name)) {
      throw new InvalidArgumentError(what, 'params', `has no value for the parameter :${name} of the SQL text`);
    }
    check?.(`params[0].${name}`, named[name]);
    return named[name];
  });
}

export function refuseNul(what: string, argument: string, value: unknown): void {
  if (typeof value === 'string' && value.includes('\0')) throw nulError(what, argument);
}

export function nulError(what: string, argument: string): InvalidArgumentError {
  return new InvalidArgumentError(
    what,
    argument,
    'holds a NUL byte (\\u0000), which PostgreSQL text cannot store (SQLite can). Fix: remove it (e.g. value.replaceAll("\\0", "")), or pass binary data as a Buffer/Uint8Array where raw SQL takes one',
  );
}
