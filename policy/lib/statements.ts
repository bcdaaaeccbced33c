/**
 * The statements of a policy document as the checks walk them: each known statement with the label a
 * message names it by (its Sid, else its index); a statement not known during preview is noted in
 * `undetermined` and skipped. The whole document, or its Statement, not known: "unknown".
 */
import { isUnknown } from "./unknown";
import { asArray, jsonDoc, type Props } from "./values";

export interface KnownStatement {
  stmt: Props;
  /** `statement "<Sid>"`, or `Statement[<i>]` without one. */
  label: string;
}

export function knownStatements(
  doc: unknown,
  path: string,
  undetermined: string[],
): KnownStatement[] | "unknown" {
  const d = jsonDoc(doc);
  if (!d.known) return "unknown";
  const statements = d.value?.Statement;
  if (isUnknown(statements)) return "unknown";
  const out: KnownStatement[] = [];
  for (const [i, s] of asArray(statements).entries()) {
    if (isUnknown(s)) {
      undetermined.push(`${path} Statement[${i}]`);
      continue;
    }
    if (!s || typeof s !== "object") continue;
    const stmt = s as Props;
    out.push({
      stmt,
      label: typeof stmt.Sid === "string" && stmt.Sid ? `statement "${stmt.Sid}"` : `Statement[${i}]`,
    });
  }
  return out;
}
