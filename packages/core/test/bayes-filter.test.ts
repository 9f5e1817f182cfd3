/**
 * The bot's Bayes spam filter, driven through the library's raw-SQL entry points on every engine.
 *
 * The storage below issues the statements of the bot's Bayes storage (internal/database/bayes_storage.py
 * at NotA-Company/gromozeka 680b204): class statistics read with `is_spam = :is_spam` and a bound
 * boolean, token and class upserts with named parameters, the vocabulary count, token lookups, and the
 * rare-token cleanup. One change makes them run on PostgreSQL too: the upserts name the table in
 * `DO UPDATE SET x = bayes_tokens.x + ...` (PostgreSQL finds a bare `x` ambiguous there; SQLite takes both).
 * On MySQL the upserts are written in its own SQL (`ON DUPLICATE KEY UPDATE`), as raw SQL must be there.
 * The classifier is our own port of the bot's multinomial Naive Bayes (lib/bayes_filter):
 * Laplace smoothing, log probabilities, confidence from token coverage and training size.
 *
 * The expected scores are facts, not our port's output: the bot's own Python filter module (680b204, run
 * with python3's stdlib and a sqlite3 storage, per-chat statistics, alpha 1, min token count 1), trained on
 * the bot's test messages below, gave them. With boolean parameters refused (the library before this fix),
 * the class statistics read failed, and every message scored 50 % with confidence 0.
 */
import { DatabaseWrapper } from '@pkg/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

const CHAT = 12345;

/** The bot's training messages (its test fixture "trainedFilter"). */
const SPAM = [
  'Buy cheap products now!',
  'Click here for amazing deals!',
  'Free money! Click now!',
  'Urgent! Limited time offer!',
  'Make money fast online!',
];
const HAM = [
  'Hey, how are you doing today?',
  "Let's meet for coffee tomorrow",
  'The weather is nice today',
  'I finished my homework',
  'What time is the meeting?',
];

/** What the bot's filter answered (score in %, confidence 0..1). */
const BOT = {
  spamLike: { text: 'Buy cheap deals now!', score: 97.18433528505741, confidence: 0.53, isSpam: true },
  hamLike: { text: 'How are you today?', score: 12.745227123107302, confidence: 0.4966666666666666, isSpam: false },
  trained: { text: 'Buy cheap products now!', score: 99.18032709808149, confidence: 0.73, isSpam: true },
  vocabulary: 59,
  /** cleanup_rare_tokens(min_count=2) */
  removed: 54,
  vocabularyAfterCleanup: 5,
  spamLikeAfterCleanup: { score: 71.83098591549296, confidence: 0.13, isSpam: true },
  hamLikeAfterCleanup: { score: 22.077922077922086, confidence: 0.2633333333333333, isSpam: false },
};

// --- The bot's storage statements (named parameters, booleans bound as they are) ---

const CLASS_STATS = `SELECT message_count, token_count FROM bayes_classes
  WHERE is_spam = :is_spam AND ((:chat_id IS NULL AND chat_id IS NULL) OR chat_id = :chat_id)`;
const VOCABULARY = `SELECT COUNT(*) AS vocab_size FROM bayes_tokens
  WHERE ((:chatId IS NULL AND chat_id IS NULL) OR chat_id = :chatId)`;
/** The upserts' conflict clause in the engine's SQL (`key`: the conflict target, unused by MySQL). */
const onConflict = (engine: string, key: string) =>
  engine === 'mysql' ? 'ON DUPLICATE KEY UPDATE' : `ON CONFLICT(${key}) DO UPDATE SET`;
const upsertClass = (
  engine: string,
) => `INSERT INTO bayes_classes (chat_id, is_spam, message_count, token_count, created_at, updated_at)
  VALUES (:chat_id, :is_spam, :msg_inc, :tok_inc, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
  ${onConflict(engine, 'chat_id, is_spam')} message_count = bayes_classes.message_count + :msg_inc,
    token_count = bayes_classes.token_count + :tok_inc, updated_at = CURRENT_TIMESTAMP`;
const upsertToken = (
  engine: string,
) => `INSERT INTO bayes_tokens (token, chat_id, spam_count, ham_count, total_count, created_at, updated_at)
  VALUES (:token, :chat_id, :spam_inc, :ham_inc, :increment, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)
  ${onConflict(engine, 'token, chat_id')} spam_count = bayes_tokens.spam_count + :spam_inc,
    ham_count = bayes_tokens.ham_count + :ham_inc, total_count = bayes_tokens.total_count + :increment,
    updated_at = CURRENT_TIMESTAMP`;
const CLEANUP = `DELETE FROM bayes_tokens WHERE total_count < :min_count
  AND ((:chat_id IS NULL AND chat_id IS NULL) OR chat_id = :chat_id)`;

function tokenStatsSql(count: number): string {
  const names = Array.from({ length: count }, (_, i) => `:token${i}`).join(', ');
  return `SELECT token, spam_count, ham_count, total_count FROM bayes_tokens
    WHERE token IN (${names}) AND ((:chatId IS NULL AND chat_id IS NULL) OR chat_id = :chatId)`;
}

interface ClassStats {
  message_count: number;
  token_count: number;
}
interface TokenRow {
  token: string;
  spam_count: number;
  ham_count: number;
  total_count: number;
}

class LibraryBayesStorage {
  constructor(
    private readonly db: DatabaseWrapper,
    private readonly engine: string,
  ) {}

  async classStats(isSpam: boolean, chatId: number | null): Promise<ClassStats> {
    const rows = (await this.db.query({
      sql: CLASS_STATS,
      params: [{ is_spam: isSpam, chat_id: chatId }],
    })) as ClassStats[];
    return rows[0] ?? { message_count: 0, token_count: 0 };
  }

  async vocabularySize(chatId: number | null): Promise<number> {
    const rows = (await this.db.query({ sql: VOCABULARY, params: [{ chatId }] })) as Array<{ vocab_size: number }>;
    return Number(rows[0]?.vocab_size ?? 0);
  }

  async tokenStats(tokens: string[], chatId: number | null): Promise<Map<string, TokenRow>> {
    const params: Record<string, unknown> = { chatId };
    tokens.forEach((t, i) => {
      params[`token${i}`] = t;
    });
    const rows = (await this.db.query({ sql: tokenStatsSql(tokens.length), params: [params] })) as TokenRow[];
    return new Map(rows.map((r) => [r.token, r]));
  }

  /** One message learned: its class and its token counts, in one transaction. */
  async learn(isSpam: boolean, tokens: string[], chatId: number | null): Promise<void> {
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    await this.db.transaction({ chatId: chatId ?? undefined }, async (tx) => {
      await tx.execute(upsertClass(this.engine), {
        chat_id: chatId,
        is_spam: isSpam,
        msg_inc: 1,
        tok_inc: tokens.length,
      });
      for (const [token, increment] of counts) {
        await tx.execute(upsertToken(this.engine), {
          token,
          chat_id: chatId,
          spam_inc: isSpam ? increment : 0,
          ham_inc: isSpam ? 0 : increment,
          increment,
        });
      }
    });
  }

  async cleanupRareTokens(minCount: number, chatId: number | null): Promise<number> {
    return this.db.transaction({ chatId: chatId ?? undefined }, async (tx) => {
      const { changes } = await tx.execute(CLEANUP, { min_count: minCount, chat_id: chatId });
      return changes;
    });
  }
}

// --- Our port of the bot's classifier (default tokenizer: bigrams on, stopwords, URLs and mentions out) ---

const STOPWORDS = new Set(
  (
    'и в не на я что с а как это он она они мы вы ты к по из за от до при для или но да нет все так уже еще там тут ' +
    'где когда если чтобы кто кто_то кто-то мне тоже то the a an and or but in on at to for of with by from is are ' +
    'was were be been have has had do does did will would could should may might can this that these those i you ' +
    'he she it we they'
  ).split(' '),
);

function tokenize(text: string): string[] {
  const cleaned = text
    .replace(/https?:\/\/\S+|www\.\S+|t\.me\/\S+/gu, '')
    .replace(/@[\p{L}\p{N}_]+/gu, '')
    .replace(/\s+/gu, ' ')
    .toLowerCase()
    .trim();
  const words = (cleaned.match(/[\p{L}\p{N}_]+/gu) ?? []).filter(
    (w) => w.length >= 2 && w.length <= 50 && !STOPWORDS.has(w),
  );
  const bigrams = words.slice(1).map((w, i) => `${words[i]}_${w}`);
  return [...words, ...bigrams];
}

interface Score {
  score: number;
  confidence: number;
  isSpam: boolean;
}

async function classify(storage: LibraryBayesStorage, text: string, chatId: number | null): Promise<Score> {
  const neutral = { score: 50, confidence: 0, isSpam: false };
  const tokens = tokenize(text);
  if (tokens.length === 0) return neutral;
  const spam = await storage.classStats(true, chatId);
  const ham = await storage.classStats(false, chatId);
  const messages = spam.message_count + ham.message_count;
  if (messages === 0) return neutral;
  let logSpam = Math.log(spam.message_count / messages);
  let logHam = Math.log(ham.message_count / messages);
  const vocabulary = await storage.vocabularySize(chatId);
  const unique = [...new Set(tokens)];
  const stats = await storage.tokenStats(unique, chatId);
  let known = 0;
  for (const token of unique) {
    const s = stats.get(token);
    if (s === undefined || s.total_count < 1) continue;
    known++;
    const times = tokens.filter((t) => t === token).length;
    logSpam += Math.log((s.spam_count + 1) / (spam.token_count + vocabulary)) * times;
    logHam += Math.log((s.ham_count + 1) / (ham.token_count + vocabulary)) * times;
  }
  const top = Math.max(logSpam, logHam);
  const score = (Math.exp(logSpam - top) / (Math.exp(logSpam - top) + Math.exp(logHam - top))) * 100;
  const confidence = Math.min(1, (known / unique.length) * 0.7 + Math.min(1, messages / 100) * 0.3);
  return { score, confidence, isSpam: score >= 50 && confidence >= 0.1 };
}

function expectBot(actual: Score, bot: Score): void {
  expect(actual.isSpam).toBe(bot.isSpam);
  expect(actual.score).toBeCloseTo(bot.score, 9);
  expect(actual.confidence).toBeCloseTo(bot.confidence, 9);
}

describeEngines("the bot's Bayes spam filter through raw SQL", (h) => {
  let db: DatabaseWrapper;
  let storage: LibraryBayesStorage;

  beforeAll(async () => {
    db = new DatabaseWrapper({ config: { default: 'main', sources: { main: h.fresh('bayes') } } });
    storage = new LibraryBayesStorage(db, h.engine);
    for (const m of SPAM) await storage.learn(true, tokenize(m), CHAT);
    for (const m of HAM) await storage.learn(false, tokenize(m), CHAT);
  });
  afterAll(() => db?.close());

  it('reads the class statistics with a bound boolean, through db.query and tx.query', async () => {
    expect(await storage.classStats(true, CHAT)).toEqual({ message_count: 5, token_count: 35 });
    expect(await storage.classStats(false, CHAT)).toEqual({ message_count: 5, token_count: 29 });
    const inTx = await db.transaction({ chatId: CHAT }, (tx) =>
      tx.query(CLASS_STATS, [{ is_spam: false, chat_id: CHAT }]),
    );
    expect(inTx).toEqual([{ message_count: 5, token_count: 29 }]);
    expect(await storage.vocabularySize(CHAT)).toBe(BOT.vocabulary);
  });

  it("scores the bot's reference messages as the bot does", async () => {
    expectBot(await classify(storage, BOT.spamLike.text, CHAT), BOT.spamLike);
    expectBot(await classify(storage, BOT.hamLike.text, CHAT), BOT.hamLike);
    expectBot(await classify(storage, BOT.trained.text, CHAT), BOT.trained);
    // Per-chat statistics: another chat has learned nothing.
    expectBot(await classify(storage, BOT.trained.text, 67890), { score: 50, confidence: 0, isSpam: false });
  });

  it('cleans up rare tokens as the bot does, and scores as the bot does after it', async () => {
    expect(await storage.cleanupRareTokens(2, CHAT)).toBe(BOT.removed);
    expect(await storage.vocabularySize(CHAT)).toBe(BOT.vocabularyAfterCleanup);
    expectBot(await classify(storage, BOT.spamLike.text, CHAT), BOT.spamLikeAfterCleanup);
    expectBot(await classify(storage, BOT.hamLike.text, CHAT), BOT.hamLikeAfterCleanup);
  });
});
