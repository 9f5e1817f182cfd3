import { join } from 'node:path';
import { generateSampleChats } from './generate.js';
import { copyReferenceDb, REFERENCE_CHAT_IDS } from './reference.js';
import type { WriteOp } from './types.js';

/** One source of a {@link MultiSourceConfig}. */
export type LayoutSource = { path: string; readonly: boolean };

/** A database configuration (the shape `@pkg/config` accepts as input) for the three sources. */
export type MultiSourceConfig = {
  default: 'primary';
  sources: { primary: LayoutSource; archive: LayoutSource; external_bot: LayoutSource };
  /** Chat id (decimal string) -> source name; primary chats are not listed (they use the default). */
  chatMapping: Record<string, string>;
};

/** A primary + readonly archive + readonly external-bot setup; see {@link multiSourceLayout}. */
export interface MultiSourceLayout {
  paths: { primary: string; archive: string; external: string };
  chats: { primary: number[]; archive: number[]; external: number[] };
  config: MultiSourceConfig;
  /** Writes that fill the archive (generated, seed 2, chatIdBase -1003000000000). */
  archiveOps: WriteOp[];
  /** Writes for the primary's chats (generated, seed 1, default chatIdBase -1002000000000). */
  primaryOps: WriteOp[];
  /**
   * A user who is a member of every group/supergroup in the primary and the archive, and also of
   * reference chats (100100, -1001000000010, -1001000000011): `getUserChats` for it spans all three sources.
   */
  sharedUserId: number;
}

/** User 5001003 of the reference data: in chats 100100, -1001000000010 and -1001000000011 there. */
const SHARED_USER_ID = 5001003;

/**
 * Describes a three-source setup in `dir`:
 * - `primary` (`primary.db`, writable, the default source): its chats are generated (seed 1) and not in
 *   `chatMapping`. The file is not created; open it writable and `replay(db, primaryOps)` if the test needs data.
 * - `archive` (`archive.db`, readonly): chats generated with seed 2 and chatIdBase -1003000000000, mapped to
 *   `'archive'`. The testkit has no SQLite, so **the archive file is NOT created here**: the caller fills it by
 *   opening `paths.archive` with a writable DatabaseWrapper, `replay(wrapper, archiveOps)`, closing it, and only
 *   then opening the readonly configuration.
 * - `external_bot` (`external.db`, readonly): a copy of the reference database (made now, by
 *   {@link copyReferenceDb}); the reference chats are mapped to `'external_bot'`.
 *
 * `config` can be passed as the database configuration input as is.
 */
export function multiSourceLayout(dir: string): MultiSourceLayout {
  const external = copyReferenceDb(dir, 'external.db');
  const paths = { primary: join(dir, 'primary.db'), archive: join(dir, 'archive.db'), external };
  const primary = generateSampleChats({ seed: 1, sharedUserIds: [SHARED_USER_ID] });
  const archive = generateSampleChats({ seed: 2, chatIdBase: -1003000000000, sharedUserIds: [SHARED_USER_ID] });
  const chats = {
    primary: primary.chats.map((c) => c.chatId),
    archive: archive.chats.map((c) => c.chatId),
    external: [...REFERENCE_CHAT_IDS],
  };
  const chatMapping: Record<string, string> = {};
  for (const id of chats.archive) chatMapping[String(id)] = 'archive';
  for (const id of chats.external) chatMapping[String(id)] = 'external_bot';
  return {
    paths,
    chats,
    config: {
      default: 'primary',
      sources: {
        primary: { path: paths.primary, readonly: false },
        archive: { path: paths.archive, readonly: true },
        external_bot: { path: paths.external, readonly: true },
      },
      chatMapping,
    },
    archiveOps: archive.ops,
    primaryOps: primary.ops,
    sharedUserId: SHARED_USER_ID,
  };
}
