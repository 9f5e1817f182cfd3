/** Argument validation at the API boundary (see docs/arguments.md). */
export { MAX_LIMIT } from './checkers.js';
export { checkOptions, checkQueryArgs, checkRouteArgs, checkSql, checkTransactionArgs } from './entry-points.js';
export { METHODS, type MethodName } from './methods.js';
export { validateArgs } from './validate.js';
