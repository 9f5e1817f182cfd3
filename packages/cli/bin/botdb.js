#!/usr/bin/env node
// Committed (dist/ is built): pnpm links bins at install time, before any build, so the link
// target must exist then. It only loads the built command.
import '../dist/main.js';
