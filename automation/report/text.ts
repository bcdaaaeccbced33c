/**
 * Attacker-controlled text (tags, user agents, finding descriptions, AWS error messages) made safe for
 * each medium. One cleaning for all: ANSI escape sequences removed (`safe`), every other control and
 * bidi character turned into a visible `\uXXXX` (`terminalSafe`), and very long values cut with a
 * visible note. Then the medium's escaping: HTML entities, or Markdown punctuation.
 */
import { terminalSafe } from "../analyze/terminal-safe";
import { safe } from "../cli/render";

/** Longest string kept in the report model (the JSON report): ids, hashes and messages fit easily. */
export const MODEL_MAX = 2000;

/** Cuts a value to `max` characters, saying how long it was (a silent cut could hide evidence). */
export function bound(value: string, max = MODEL_MAX): string {
  if (value.length <= max) return value;
  // A value the model already cut keeps its original length in the note.
  const earlier = TRUNCATED.exec(value);
  const text = earlier ? value.slice(0, earlier.index) : value;
  const length = earlier ? Number(earlier[1]) : value.length;
  return `${text.slice(0, max)}… [truncated: ${length} characters]`;
}

const TRUNCATED = /… \[truncated: (\d+) characters\]$/;

/** Printable, single-line, bounded text. */
export function clean(value: unknown, max = 300): string {
  const text = terminalSafe(safe(value, Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  return bound(text, max);
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for an HTML text node or a quoted attribute value. */
export function html(value: unknown, max = 300): string {
  return clean(value, max).replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Text for Markdown (tables included): punctuation that starts markup is backslash-escaped, `<` and `&`
 * become entities (no raw HTML), `|` cannot end a cell, and URLs are defanged (`hxxp://`, `www[.]`) so
 * a ticket system's autolinker makes no link of an attacker's address.
 */
export function md(value: unknown, max = 300): string {
  return (
    defang(clean(value, max))
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      // Inline code, emphasis, links and images, table cells, strike-through. (Every value sits inside a
      // table cell or after a label, never at a line's start, so `#`, `-` and `1.` cannot start a block.)
      .replace(/([\\`*_[\]|~])/g, "\\$1")
  );
}

/** `http://x` → `hxxp[://]x`, `www.x` → `www[.]x`, `a@b` → `a[@]b`: no autolinker makes a link of them. */
export function defang(text: string): string {
  return text
    .replace(/\b(h)tt(ps?):\/\//gi, "$1xx$2[://]")
    .replace(/\b(www)\./gi, "$1[.]")
    .replace(/@/g, "[@]");
}
