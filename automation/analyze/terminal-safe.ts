/**
 * Makes attacker-controlled text (user agents, domains, file names, request parameters) safe to print:
 * control characters (ANSI escape sequences that rewrite the screen, retitle the terminal or plant
 * hyperlinks; carriage returns that hide a line) and Unicode bidi overrides become visible escapes.
 */
// C0 and C1 controls, DEL, and the bidi/invisible formatting characters (U+200B-U+200F, U+202A-U+202E, U+2066-U+2069).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(value: unknown, maxLength = 200): string {
  const text = String(value ?? "");
  const escaped = text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength - 1)}…` : escaped;
}
