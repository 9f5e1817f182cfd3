/** vitest globalSetup: one MariaDB server for this package's MySQL/MariaDB tests (see @pkg/testkit/vitest-mariadb). */
export { mariaDbGlobalSetup as default } from '@pkg/testkit/vitest-mariadb-setup';
