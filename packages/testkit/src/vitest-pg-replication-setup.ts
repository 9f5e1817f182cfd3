/**
 * vitest globalSetup for a package's PostgreSQL replication tests (`@pkg/testkit/vitest-pg-replication-setup`):
 * one primary with a streaming standby for the whole run (a throwaway set, or BOTDB_TEST_PG_PRIMARY_URL with
 * BOTDB_TEST_PG_REPLICA_URLS), handed to the test files as `inject('botdbPgReplication')` (the primary) and
 * `inject('botdbPgReplicaUrls')`. Never throws for a missing engine: the test files decide (./vitest-pg-replication.ts).
 */
import type { TestProject } from 'vitest/node';
import {
  PG_REPLICATION_MISSING_REASON,
  PG_REPLICATION_SKIP_LINE,
  pgReplicationTestAvailable,
  startTestPgReplication,
} from './pg-replication.js';
import { type EngineForTests, provideEngine } from './vitest-engine-setup.js';

/** The primary's URL (`url`), or why there is none; the standbys' URLs come as `botdbPgReplicaUrls`. */
export type PgReplicationForTests = EngineForTests;

declare module 'vitest' {
  export interface ProvidedContext {
    botdbPgReplication: PgReplicationForTests;
    botdbPgReplicaUrls: string[];
  }
}

export async function pgReplicationGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  let replicaUrls: string[] = [];
  const teardown = await provideEngine(project, 'botdbPgReplication', {
    available: pgReplicationTestAvailable,
    missingReason: PG_REPLICATION_MISSING_REASON,
    skipLine: PG_REPLICATION_SKIP_LINE,
    start: async () => {
      const set = await startTestPgReplication();
      replicaUrls = set.replicaUrls;
      return { url: set.primaryUrl, stop: () => set.stop() };
    },
  });
  project.provide('botdbPgReplicaUrls', replicaUrls);
  return teardown;
}
