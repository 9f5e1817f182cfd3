/** The command tree: arguments, options, help with an example per command, and exit codes. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { runBackup } from './commands/backup.js';
import { runCheck } from './commands/check.js';
import { chatsWithOperands, DEFAULT_BATCH, type MoveOptions, runMove } from './commands/move.js';
import { runMoveCache } from './commands/move-cache.js';
import { parseChatId, runRoute } from './commands/route.js';
import { runShardsApply, runShardsPlan, type ShardsApplyOptions, type ShardsPlanOptions } from './commands/shards.js';
import { runStats } from './commands/stats.js';
import { runVerify } from './commands/verify.js';
import { runOnlineMove } from './move/online.js';
import { EXIT, err, out, printable, problemLines } from './output.js';
import { toProblem, UsageError } from './problems.js';

const configOption = (): Option =>
  new Option('-c, --config <file>', 'configuration file (default: $BOTDB_CONFIG, else the search from this folder)');
const jsonOption = (): Option => new Option('--json', 'print the result as JSON on stdout (for scripts)');

function examples(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** The package's own version: package.json ships with every install, next to dist/. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** What commander's usage errors are called in --json output (`error.code`); anything else is BAD_USAGE. */
const USAGE_CODES: Record<string, string> = {
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.unknownOption': 'UNKNOWN_OPTION',
  'commander.missingArgument': 'MISSING_ARGUMENT',
  'commander.excessArguments': 'TOO_MANY_ARGUMENTS',
  'commander.missingMandatoryOptionValue': 'MISSING_OPTION',
  'commander.optionMissingArgument': 'MISSING_OPTION_VALUE',
  'commander.invalidArgument': 'INVALID_ARGUMENT',
  'commander.conflictingOption': 'CONFLICTING_OPTIONS',
};

/** The help of the whole command: enough to use it without any other document. */
const PROGRAM_HELP = `${examples('botdb check', 'botdb route -1001234567890', 'botdb backup primary backups/bot-$(date +%F).db')}
Configuration: --config FILE, else $BOTDB_CONFIG, else botdb.config.toml (or .botdbrc, ...) from
this folder up to the project's package.json folder, else the built-in defaults.

Output: results on stdout, progress and diagnostics on stderr. With --json, stdout holds exactly one
JSON object, also on failure: { "ok": false, "error": { "code", "message" }, "problems": [...] }.

Exit codes: 0 ok, 1 problems found, 2 bad usage.

Every command has its own help with examples: botdb <command> --help. The full reference is the
README.md of this package (node_modules/@pkg/cli/README.md).
`;

/** The code the command resolved with, set by the action and read by `run`. */
let exitCode: number = EXIT.ok;

export function buildProgram(): Command {
  const program = new Command('botdb')
    .description("Inspect, route, back up, verify and move the bot's databases.")
    .version(packageVersion(), '-V, --version', 'print the version of botdb')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      // A usage error quotes what was typed: shown escaped, like every other value.
      outputError: (s, write) => write(s.split('\n').map(printable).join('\n')),
    })
    .addHelpText('after', PROGRAM_HELP);

  program
    .command('check')
    .description(
      'validate the configuration and look at every source, readonly (never writes): type, path, mode, schema version, size, chats, messages',
    )
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      examples('botdb check --config botdb.config.toml', 'BOTDB_CONFIG=prod.toml botdb check --json'),
    )
    .action(async (opts) => {
      exitCode = await runCheck(opts);
    });

  program
    .command('route')
    .description('where a read and a write for a chat go, and why')
    .argument('<chatId>', 'the chat id (negative for groups)')
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText('after', examples('botdb route -1001234567890', 'botdb route 100100 --json'))
    .action(async (chatId: string, opts) => {
      exitCode = await runRoute(chatId, opts);
    });

  program
    .command('stats')
    .description(
      "open every source in this process and print its db.stats(): per source calls, queue, pool, latency (this process's own counters, not a running bot's)",
    )
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText('after', examples('botdb stats', 'botdb stats --json | jq .sources.primary'))
    .action(async (opts) => {
      exitCode = await runStats(opts);
    });

  program
    .command('backup')
    .description('an online, consistent copy of a SQLite source (safe while the bot runs), verified afterwards')
    .argument('<source>', 'the source name in the configuration')
    .argument('<file>', 'the backup file to write')
    .addOption(configOption())
    .addOption(jsonOption())
    .option('-f, --force', 'replace the file if it exists')
    .option('--timeout <seconds>', 'give up if the copy takes longer', '600')
    .addHelpText(
      'after',
      examples('botdb backup primary backups/bot-2026-01-31.db', 'botdb backup archive /tmp/archive.db --force --json'),
    )
    .action(async (source: string, file: string, opts) => {
      exitCode = await runBackup(source, file, opts);
    });

  program
    .command('verify')
    .description("check a SQLite file: PRAGMA integrity_check, the bot's schema version 6 tables, the schema version")
    .argument('<file>', 'the SQLite file (a bot.db or a backup)')
    .addOption(jsonOption())
    .addHelpText('after', examples('botdb verify backups/bot-2026-01-31.db', 'botdb verify bot.db --json'))
    .action((file: string, opts) => {
      exitCode = runVerify(file, opts);
    });

  program
    .command('move')
    .description(
      'move chats while the bot runs (--online, --resume), or copy chats (or a whole source) of a stopped bot to another source, verify the row counts and print the chatMapping lines to add',
    )
    .option('--from <source>', 'the source to copy from (may be readonly); optional with --online')
    .option('--to <source>', 'the writable source to copy (or move) into (created with the bot schema if missing)')
    .option(
      '--online',
      "move the chats with the bot's online protocol: safe while the bot runs (placement, fence, verified copy, old copy removed)",
    )
    .option('--resume', 'finish the online moves a killed mover left (all, or those named with --chat)')
    .option('--keep-old', 'with --online: keep the old copy as a readonly (fenced) leftover instead of removing it')
    .option(
      '--chat <id>',
      'a chat to copy (repeat for several; negative for groups)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--all', 'every chat and the system-wide tables of the source')
    .option('--cache', 'copy the caches (cache tables and cache storage) into a Redis cache source, timestamps kept')
    .option('--batch <rows>', 'rows per destination transaction', String(DEFAULT_BATCH))
    .addOption(configOption())
    .addOption(jsonOption())
    // Only for the ids after `--chat --` (see chatsWithOperands); any other word is still refused.
    .allowExcessArguments()
    .addHelpText(
      'after',
      `${examples(
        'botdb move --from primary --to archive2 --chat -1001234567890',
        'botdb move --from primary --to archive2 --chat -- -1001234567890 -1001234567891',
        'botdb move --from primary --to archive2 --chat -1001234567890 --chat 100100 --json',
        'botdb move --online --to pg --chat -- -1001234567890',
        'botdb move --resume',
        'botdb move --from old --to new --all',
        'botdb move --from primary --to redis --cache',
      )}
With --online the chats move while the bot runs (docs/operations.md): their writes are held or fenced for the
final step, the copy is verified, the placement switches in one step, the old copy is removed after a drain.
Without it, move copies for a STOPPED bot; it never deletes from the source. Safe to re-run, and to re-run after a kill: rows the
destination already holds (by primary key) are kept as they are, only missing ones are inserted.
Then add the printed lines under [database.chatMapping]; the source's copy can be cleaned up later.
`,
    )
    .action(async (opts: MoveOptions & { online?: boolean; resume?: boolean; keepOld?: boolean }, command: Command) => {
      const chat = chatsWithOperands(opts.chat, command.args);
      if (opts.online || opts.resume) {
        exitCode = await runOnlineMove({
          config: opts.config,
          from: opts.from,
          to: opts.to,
          chats: (chat ?? []).map(parseChatId),
          resume: opts.resume === true,
          keepOld: opts.keepOld === true,
          json: opts.json === true,
        });
        return;
      }
      exitCode = opts.cache ? await runMoveCache({ ...opts, chat }) : await runMove({ ...opts, chat });
    });

  const shards = program
    .command('shards')
    .description('shard groups: plan and apply the moves a change of the group needs');
  shards
    .command('plan')
    .description(
      'list the chats whose placement changes under the configuration (a grown group), with row counts and the balance before and after; readonly',
    )
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `${examples('botdb shards plan --config new.toml', 'botdb shards plan --config new.toml --json')}
Give the configuration with the new membership in sources and the old one in previous:
  [database.shards.chats]
  sources = ["s1", "s2", "s3", "s4"]
  previous = ["s1", "s2", "s3"]
`,
    )
    .action(async (opts: ShardsPlanOptions) => {
      exitCode = await runShardsPlan(opts);
    });
  shards
    .command('apply')
    .description(
      "move the plan's chats to their shards with the online move, while the bot runs; resumable (re-run after a kill or a failure)",
    )
    .option('--keep-old', "keep each moved chat's old rows as a readonly, fenced leftover")
    .addOption(configOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `${examples('botdb shards apply --config new.toml', 'botdb shards apply --config new.toml --json')}
Progress goes to stderr (a bar on a terminal). When it reports nothing left, remove \`previous\` from the
group and reload the bot.
`,
    )
    .action(async (opts: ShardsApplyOptions) => {
      exitCode = await runShardsApply(opts);
    });

  return program;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function run(argv: readonly string[]): Promise<number> {
  exitCode = EXIT.ok;
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is bad usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) {
        return EXIT.ok;
      }
      // Commander has said it on stderr; a script reading --json output gets it on stdout as well.
      const message = error.message.replace(/^error: /, '');
      if (json) out.json({ ok: false, problems: [{ code: USAGE_CODES[error.code] ?? 'BAD_USAGE', message }] });
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      if (json) out.json({ ok: false, problems: [{ code: error.code, message: error.message }] });
      err.line(`${err.c.red('error')}: ${printable(error.message)}`);
      err.line('(add --help for usage)');
      return EXIT.usage;
    }
    const p = toProblem(error);
    if (json) out.json({ ok: false, problems: [p] });
    else for (const l of problemLines(p, err.c)) err.line(l);
    return EXIT.problems;
  }
}
