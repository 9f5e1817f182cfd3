/** @pkg/cli: the `botdb` command. The programmatic entry point runs it with an argv and returns the exit code. */
export { buildProgram, run } from './program.js';
export { type FileReport, verifyFile } from './sqlite-file.js';
