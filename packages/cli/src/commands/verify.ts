/** `botdb verify <file>`: a database file's integrity and the bot's schema, without opening it for writing. */
import { resolve } from 'node:path';
import { SCHEMA_VERSION, verifyDatabaseFile } from '@pkg/core/engines';
import { EXIT, formatBytes, out, printable, problemLines } from '../output.js';

export interface VerifyOptions {
  json?: boolean;
}

export function runVerify(fileArg: string, opts: VerifyOptions): number {
  const report = verifyDatabaseFile(resolve(fileArg));
  if (opts.json) {
    out.json(report);
    return report.ok ? EXIT.ok : EXIT.problems;
  }
  const c = out.c;
  out.line(`${report.ok ? c.green('✓') : c.red('✗')} ${c.bold(report.file)}`);
  if (report.size !== null) out.line(`    size ${formatBytes(report.size)}`);
  if (report.integrity !== null) out.line(`    integrity ${printable(report.integrity)}`);
  if (report.schemaVersion !== null) {
    const note =
      report.schemaVersion === SCHEMA_VERSION ? '' : c.yellow(` (this library knows version ${SCHEMA_VERSION})`);
    out.line(`    schema version ${report.schemaVersion}${note}`);
  }
  if (report.chats !== null) out.line(`    ${report.chats} chats, ${report.messages ?? '?'} messages`);
  for (const p of report.problems) for (const l of problemLines(p)) out.line(l);
  return report.ok ? EXIT.ok : EXIT.problems;
}
