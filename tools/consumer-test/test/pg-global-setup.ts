/** vitest globalSetup: one PostgreSQL server for this package's PostgreSQL tests (see @pkg/testkit/vitest). */
export { postgresGlobalSetup as default } from '@pkg/testkit/vitest-setup';
