/**
 * Makes attacker-controlled text (user agents, domains, file names, request parameters) safe to print:
 * control characters (ANSI escape sequences that rewrite the screen, retitle the terminal or plant
 * hyperlinks; carriage returns that hide a line) and Unicode bidi overrides become visible escapes.
 */
// C0 and C1 controls, DEL, and the bidi/invisible formatting characters (U+200B-U+200F, U+2028-U+202E, U+2066-U+2069).
// Tested by code point rather than a regular expression of control characters (which lint rightly flags).
function unsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function terminalSafe(value: unknown, maxLength = 200): string {
  const text = String(value ?? "");
  let escaped = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    escaped += unsafe(code) ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
  }
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength - 1)}…` : escaped;
}
