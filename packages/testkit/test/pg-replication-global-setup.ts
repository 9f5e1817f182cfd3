/** vitest globalSetup: the shared primary and standby of test/vitest-subpaths.test.ts, as a package using the testkit gets them. */
export { pgReplicationGlobalSetup as default } from '../src/vitest-pg-replication-setup.js';
