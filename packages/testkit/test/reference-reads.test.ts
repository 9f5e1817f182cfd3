import { expect, it } from 'vitest';
import { readReferenceExpected, withLibraryTieOrder } from '../src/index.js';

it('withLibraryTieOrder reorders only same-second messages, by numeric id in the read direction', () => {
  const expected = readReferenceExpected();
  // The reference has no same-second messages: the bot's answers stand as they are.
  expect(withLibraryTieOrder(expected)).toEqual(expected);

  const [chat] = Object.keys(expected.perChat) as [string];
  const row = (message_id: string, date: string) => ({ message_id, date, message_text: `m${message_id}` });
  const sameSecond = '2025-03-01 12:00:00';
  // The bot's order: dates descending, ties ascending as text.
  const bot = [
    row('5', '2025-03-01 12:00:01'),
    row('1000', sameSecond),
    row('998', sameSecond),
    row('999', sameSecond),
    row('4', '2025-03-01 11:00:00'),
  ];
  const reads = expected.perChat[chat] as (typeof expected.perChat)[string];
  const tied = {
    ...expected,
    perChat: {
      [chat]: {
        ...reads,
        'getChatMessagesSince(limit=20)': bot,
        getChatMessagesByRootId: {
          '1': [row('2', '2025-01-01 00:00:00'), row('10', sameSecond), row('9', sameSecond)],
        },
      },
    },
  };
  const ids = (rows: Array<Record<string, unknown>>) => rows.map((r) => r.message_id);
  const out = withLibraryTieOrder(tied).perChat[chat] as (typeof expected.perChat)[string];
  expect(ids(out['getChatMessagesSince(limit=20)'])).toEqual(['5', '1000', '999', '998', '4']);
  expect(ids(out.getChatMessagesByRootId['1'] ?? [])).toEqual(['2', '9', '10']);
  expect(out['getChatMessagesByUser(limit=10)']).toEqual(reads['getChatMessagesByUser(limit=10)']);
});
