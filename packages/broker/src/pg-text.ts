/**
 * The statement catalog writes parameters as `?` (SQLite's form); PostgreSQL numbers them (`$1`, `$2`).
 * Converted once per text. Catalog texts never hold a literal `?` (see operation.ts), so no parsing of
 * quotes is needed.
 */
const converted = new Map<string, string>();

export function pgText(text: string): string {
  let out = converted.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    converted.set(text, out);
  }
  return out;
}
