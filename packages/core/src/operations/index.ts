/**
 * The operations module every source worker loads: the bot's domain, one operation per method.
 * The worker runs these; the main thread only names them (typed through `CoreOperations`).
 */
import type { SourceModule } from '@pkg/broker';
import { PREPARE } from '../engines/registry.js';
import { chatOperations } from './chats.js';
import { messageOperations } from './messages.js';
import { rawSqlOperations } from './raw-sql.js';
import { settingOperations } from './settings.js';
import { summaryAndSpamOperations } from './summaries-spam.js';
import { systemOperations } from './system.js';
import { userOperations } from './users.js';

export const operations = {
  ...messageOperations,
  ...userOperations,
  ...chatOperations,
  ...settingOperations,
  ...summaryAndSpamOperations,
  ...systemOperations,
  ...rawSqlOperations,
};

export type CoreOperations = typeof operations;

export const sourceModule: SourceModule<CoreOperations> = {
  operations,
  prepare: PREPARE,
};
