/**
 * A PostgreSQL URL's hosts, and WAL positions. A URL may list several hosts (`postgres://u@h1:5432,h2:5433/db`,
 * the libpq and driver form); the runner connects to each of them on its own, so it splits them into
 * single-host URLs. A URL parser refuses the multi-host form, so it is read here.
 */

/** The `host[:port]` entries of the URL's authority, in order (one for an ordinary URL). */
export function hostsOf(url: string): string[] {
  const afterScheme = url.slice(url.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?#]/)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1).split(',');
}

/**
 * One URL per host, the rest of the URL unchanged except `target_session_attrs` (the runner picks the host
 * that accepts writes itself: see primary-finder.ts).
 */
export function singleHostUrls(url: string): string[] {
  const hosts = hostsOf(url);
  const list = hosts.join(',');
  return hosts.map((host) => withoutParameter(url.replace(list, host), 'target_session_attrs'));
}

function withoutParameter(url: string, name: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p.split('=')[0] !== name);
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join('&')}`;
}

/** A WAL position (`16/B374D848`) as a number that compares like it (exact below 2^53 bytes of WAL: 8 PiB). */
export function parseLsn(text: string): number {
  const slash = text.indexOf('/');
  return Number.parseInt(text.slice(0, slash), 16) * 2 ** 32 + Number.parseInt(text.slice(slash + 1), 16);
}
