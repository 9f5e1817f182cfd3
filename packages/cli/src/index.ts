/** @pkg/cli: the `botdb` command. The programmatic entry point runs it with an argv and returns the exit code. */

/** Kept for programs that used it: a database file checked on disk (now the engines' own, in @pkg/core). */
export { type FileReport, verifyDatabaseFile as verifyFile } from '@pkg/core/engines';
export { buildProgram, run } from './program.js';
