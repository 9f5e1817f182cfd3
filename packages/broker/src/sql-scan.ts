/**
 * The pieces of an SQL text scanner every engine's raw-SQL conversion shares (named parameters to the
 * driver's placeholders): what an identifier is, where a name ends, and where a quoted literal or name ends.
 * What counts as a string, a comment or a parameter differs per engine and stays in the engine's folder.
 */

/** A character that may start an unquoted name (and so a named parameter). */
export const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
/** A character that may continue one. */
export const IDENT = /[A-Za-z0-9_\u0080-\uffff]/;

/** The index just past the name that starts at `from`. */
export function nameEnd(text: string, from: number): number {
  let j = from;
  while (j < text.length && IDENT.test(text[j] as string)) j++;
  return j;
}

/**
 * The index just past the quote closing the one at `start`: a doubled quote stays inside, and so does a
 * backslash escape where the engine reads one (`backslashEscapes`). An unclosed quote runs to the end.
 */
export function closingQuote(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let j = start + 1;
  while (j < text.length) {
    const ch = text[j];
    if (backslashEscapes && ch === '\\') j += 2;
    else if (ch === quote && text[j + 1] === quote) j += 2;
    else if (ch === quote) return j + 1;
    else j++;
  }
  return text.length;
}
