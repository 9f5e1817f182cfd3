/**
 * Which of a multi-host URL's hosts accepts writes: each is asked `pg_is_in_recovery()` on a connection of
 * its own, all at once; the first listed that is not in recovery wins. The runner asks when it opens and
 * again whenever the primary is lost (a failover: a standby promoted), every RETRY_MS until one answers, so
 * the source follows a promotion without a restart or a change of configuration.
 */
import { connectPostgres, type PostgresTarget } from './connect.js';

/** How long one round of asking may take, at most (a host that does not answer is skipped for this round). */
const PROBE_MS = 2_000;
/** Between rounds while no host accepts writes. */
export const RETRY_MS = 200;

/** The first of `urls` (single-host) that accepts writes, or null when none does this round. */
export async function findWritable(target: PostgresTarget, urls: readonly string[]): Promise<string | null> {
  const probeMs = Math.min(PROBE_MS, target.timeoutMs);
  const answers = await Promise.all(urls.map((url) => isWritable({ ...target, url }, probeMs)));
  const index = answers.indexOf(true);
  return index < 0 ? null : (urls[index] as string);
}

async function isWritable(target: PostgresTarget, probeMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // Its own application_name (botdb:<source> probe): an operator tells it from the source's sessions.
  const sql = await connectPostgres({ ...target, name: `${target.name} probe`, poolSize: 1, readonly: false });
  try {
    const rows = await Promise.race([
      sql.unsafe('SELECT pg_is_in_recovery() AS standby'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('probe timed out')), probeMs);
      }),
    ]);
    return (rows[0] as { standby?: boolean } | undefined)?.standby === false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    sql.end({ timeout: 0 }).catch(() => undefined);
  }
}
