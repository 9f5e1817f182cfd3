/**
 * The API boundary: every public call's arguments are checked here, on the main thread, before
 * anything is routed or sent to a worker. What passes is a fresh object holding only the known
 * arguments, normalised; what fails is an InvalidArgumentError (never a TypeError).
 */
import { DatabaseError, InvalidArgumentError } from '@pkg/errors';
import { describe } from './checkers.js';
import { closest } from './closest.js';
import { METHODS, type MethodName, type MethodSpec } from './methods.js';

/** Checks `args` of method `op`; returns the arguments to send. Throws InvalidArgumentError. */
export function validateArgs(op: MethodName, args: unknown): Record<string, unknown> {
  const spec = METHODS[op];
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new InvalidArgumentError(
      op,
      'args',
      `must be one object of named arguments { ${spec.names.join(', ')} } (got ${describe(args)})`,
    );
  }
  try {
    return checkObject(op, spec, args as Record<string, unknown>);
  } catch (e) {
    throw asArgumentError(e, op);
  }
}

function checkObject(op: string, spec: MethodSpec, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let required = 0;
  for (const key of Object.keys(args)) {
    const arg = spec.args[key];
    if (arg === undefined) throw unknownArgument(op, spec, key);
    const value = args[key];
    if (value === undefined) continue;
    if (value === null) {
      if (arg.required && !arg.nullable) throw missing(op, key, arg.kind.expects, null);
      if (key !== 'dataSource') out[key] = null;
      if (arg.required) required++;
      continue;
    }
    const checked = arg.kind.check(value, op, key);
    if (checked !== undefined) out[key] = checked;
    if (arg.required) required++;
  }
  if (required !== spec.required.length) {
    for (const name of spec.required) {
      if (!(name in out)) throw missing(op, name, spec.args[name]?.kind.expects ?? '', undefined);
    }
  }
  return out;
}

function missing(op: string, arg: string, expects: string, got: unknown): InvalidArgumentError {
  return new InvalidArgumentError(op, arg, `is required: ${expects} (got ${describe(got)})`);
}

function unknownArgument(op: string, spec: MethodSpec, key: string): InvalidArgumentError {
  if (key === 'dataSource' && spec.write) {
    return new InvalidArgumentError(
      op,
      'dataSource',
      'is not accepted by writes: a write goes to the source its chat maps to',
    );
  }
  const near = closest(key, spec.names) ?? counterpart(key, spec);
  const hint = near === undefined ? '' : ` Did you mean "${near}"?`;
  return new InvalidArgumentError(
    op,
    key,
    `is not an argument of ${op}.${hint} Its arguments: ${spec.names.join(', ') || 'none'}.`,
  );
}

/**
 * The argument of this method that plays the role `key` plays in a sibling method: another method whose
 * arguments are this one's with exactly one name swapped (getChatSetting's `setting` is unsetChatSetting's
 * `key`). Catches a name carried over from the method next door, which no edit distance would.
 */
function counterpart(key: string, spec: MethodSpec): string | undefined {
  const mine = spec.names.filter((n) => n !== 'dataSource');
  for (const other of Object.values(METHODS)) {
    if (!(key in other.args)) continue;
    const theirs = other.names.filter((n) => n !== 'dataSource');
    const onlyMine = mine.filter((n) => !theirs.includes(n));
    const onlyTheirs = theirs.filter((n) => !mine.includes(n));
    if (onlyMine.length === 1 && onlyTheirs.length === 1 && onlyTheirs[0] === key) return onlyMine[0];
  }
  return undefined;
}

/** A getter or proxy that throws while being read is the caller's bad argument, not our failure. */
export function asArgumentError(e: unknown, op: string, arg = 'args'): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new InvalidArgumentError(op, arg, `could not be read: ${message}`);
}
