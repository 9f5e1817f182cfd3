// The names a ```ts block of README.md or docs/*.md may use without declaring or importing them:
// the objects a bot already holds where such a snippet goes. A block that declares or imports one of
// these names itself (`const db = new DatabaseWrapper(...)`) shadows it. Keep this list short: a
// block that needs anything else imports or declares it where the reader sees it.

/** An open `DatabaseWrapper`. */
declare const db: import('@pkg/core').DatabaseWrapper;
/** A configuration, as `loadConfig()` returns it. */
declare const config: import('@pkg/core').DatabaseConfig;
/** The bot's logger (pino, console, or anything with `warn`). */
declare const logger: import('@pkg/core').Logger;
/** The chat, user and message of the update the bot is handling. */
declare const chatId: number;
declare const userId: number;
declare const messageId: number;
