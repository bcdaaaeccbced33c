/** `report.json`: the model as it is, for machines (the game day, a ticket system's importer). */
import type { CaseReport } from "./model";

/**
 * Pretty JSON, with `<`, `>`, `&` and the JavaScript line separators written as `\u` escapes: the same
 * value, but a file that stays inert if a tool ever pastes it into a web page.
 */
export function renderJson(r: CaseReport): string {
  const text = JSON.stringify(r, null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${text}\n`;
}
