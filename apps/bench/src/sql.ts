/**
 * The point read every contender runs. It is copied verbatim from packages/core/src/operations/messages.ts
 * (SELECT_MESSAGE + the getChatMessageByMessageId WHERE clause), and `assertSameSqlAsCore` checks at start-up
 * that the built @pkg/core still contains exactly this text, so the direct peers can never drift from the broker.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SELECT_MESSAGE = `SELECT m.*, u.username, u.full_name,
  a.file_unique_id AS media_file_unique_id, a.file_id AS media_file_id, a.file_size AS media_file_size,
  a.media_type AS media_media_type, a.metadata AS media_metadata, a.status AS media_status,
  a.mime_type AS media_mime_type, a.local_url AS media_local_url, a.prompt AS media_prompt,
  a.description AS media_description, a.created_at AS media_created_at, a.updated_at AS media_updated_at
FROM chat_messages m
JOIN chat_users u ON u.chat_id = m.chat_id AND u.user_id = m.user_id
LEFT JOIN media_attachments a ON a.file_unique_id = m.media_id`;

const WHERE_BY_KEY = ' WHERE m.chat_id = ? AND m.message_id = ?';

/** The exact statement of `getChatMessageByMessageId`. */
export const POINT_READ_SQL = `${SELECT_MESSAGE}${WHERE_BY_KEY}`;

/** Throws when the built core's message operations no longer contain the SQL this bench runs on the peers. */
export function assertSameSqlAsCore(): void {
  const coreIndex = fileURLToPath(import.meta.resolve('@pkg/core'));
  const messagesJs = coreIndex.replace(/index\.js$/, 'operations/messages.js');
  const text = readFileSync(messagesJs, 'utf8');
  if (!text.includes(SELECT_MESSAGE) || !text.includes(`\${SELECT_MESSAGE}${WHERE_BY_KEY}\``)) {
    throw new Error(`the point-read SQL in ${messagesJs} differs from apps/bench/src/sql.ts; copy it again`);
  }
}
