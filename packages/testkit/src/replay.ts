import type { WriteOp } from './types.js';

const objectMethods: Record<string, unknown> = Object.prototype as unknown as Record<string, unknown>;

/**
 * Calls `target[method](args)` for each op, in order, awaiting each call before the next.
 * Works with sync and async methods, own or inherited (class methods), bound with `this = target`.
 *
 * Rejects with an Error naming the op index and method when the target has no such method
 * (methods inherited from `Object.prototype`, such as `toString`, do not count). An error thrown by
 * the target itself propagates unchanged, so `instanceof`/`code` assertions keep working; the ops
 * before it have been applied.
 */
export async function replay(target: object, ops: readonly WriteOp[]): Promise<void> {
  const methods = target as Record<string, unknown>;
  let index = 0;
  for (const [method, args] of ops) {
    const fn = methods[method];
    if (typeof fn !== 'function' || fn === objectMethods[method]) {
      const name = target.constructor?.name || 'object';
      throw new Error(`replay: op #${index} calls ${method}(), but the target (${name}) has no method ${method}`);
    }
    await fn.call(target, args);
    index++;
  }
}
