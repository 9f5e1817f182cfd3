/** What one validation run collects: issues (fatal), warnings, and how strict it is. */
import type { ConfigIssue } from '@pkg/errors';
import { sentence } from './text.js';
import type { ConfigWarning } from './types.js';

/** `file`: suggestions use the kebab-case file spelling; `code`: they use camelCase. */
export type Spelling = 'file' | 'code';

export interface Context {
  issues: ConfigIssue[];
  warnings: ConfigWarning[];
  spelling: Spelling;
  /** Turn escalatable warnings (a chat mapped to an undefined source, unknown keys in the bot's dialects) into issues. */
  strict: boolean;
}

export function issue(ctx: Context, key: string, message: string, fix: string): void {
  ctx.issues.push({ key, message, fix: sentence(fix) });
}

/**
 * A warning. `escalate`: under strict mode it is an issue instead. Keys the bot uses and botdb ignores
 * are never escalated, so the bot's own config file loads unchanged.
 */
export function warn(ctx: Context, key: string, message: string, fix: string, escalate: boolean): void {
  if (escalate && ctx.strict) {
    issue(ctx, key, message, `${fix} (This is an error because strict mode is on; strict: false makes it a warning.)`);
    return;
  }
  ctx.warnings.push({ key, message: `${message} Fix: ${sentence(fix)}` });
}
