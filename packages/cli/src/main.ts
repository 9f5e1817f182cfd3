#!/usr/bin/env node
/** The `botdb` executable. */
import { run } from './program.js';

const code = await run(process.argv);
// Exit explicitly: a source worker that did not stop in time must not keep the command alive.
process.exit(code);
