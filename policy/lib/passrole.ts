/**
 * Identity-policy statements that let the principal pass any role (`iam:PassRole` on every role).
 * Actions and resources are IAM glob patterns, judged by what they match: an action grants PassRole
 * when its pattern matches "iam:PassRole" ("*", "iam:*", "iam:Pass*"...), or when an Allow with
 * NotAction does not exclude it; a resource covers every role when its pattern matches arbitrary role
 * ARNs ("*", "arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/*"...), or the statement uses
 * NotResource. Conditions on iam:PassedToService / iam:AssociatedResourceArn limit where a role goes,
 * not which role: they do not make the statement compliant; any other condition is reported as a note.
 */
import { knownStatements } from "./statements";
import { isUnknown } from "./unknown";
import { asArray, containsUnknown, type Props } from "./values";

/** An IAM glob (`*`, `?`) as a case-insensitive regular expression. */
export function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

const PASS_ROLE = "iam:passrole";
/** Roles no real policy would name: a pattern that matches both matches every role. */
const PROBE_ROLES = ["role/q7zx-probe", "role/service-role/nested/Adm1n-probe"];
const ROLE_SCOPE_KEYS = new Set(["iam:passedtoservice", "iam:associatedresourcearn"]);

function coversEveryRole(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  const partition = parts[1] && !/[*?]/.test(parts[1]) ? parts[1] : "aws";
  const account = parts[4] && !/[*?]/.test(parts[4]) ? parts[4] : "111122223333";
  const re = globRegExp(resource);
  return PROBE_ROLES.every((role) => re.test(`arn:${partition}:iam::${account}:${role}`));
}

export interface PassRoleFindings {
  violations: string[];
  /** Statements scoped by a condition the pack does not judge. */
  notes: string[];
  undetermined: string[];
}

/** Analyses one identity-policy document; "unknown" when the document is not known during preview. */
export function passRoleOnEveryRole(doc: unknown, path: string): PassRoleFindings | "unknown" {
  const out: PassRoleFindings = { violations: [], notes: [], undetermined: [] };
  const statements = knownStatements(doc, path, out.undetermined);
  if (statements === "unknown") return "unknown";
  for (const { stmt, label: sid } of statements) {
    if (isUnknown(stmt.Effect)) {
      out.undetermined.push(`${path} ${sid}.Effect`);
      continue;
    }
    if (stmt.Effect !== "Allow") continue;
    // Which action pattern grants PassRole.
    let grant: string | undefined;
    if (stmt.NotAction !== undefined) {
      if (containsUnknown(stmt.NotAction)) {
        out.undetermined.push(`${path} ${sid}.NotAction`);
        continue;
      }
      const excluded = asArray(stmt.NotAction).some(
        (a) => typeof a === "string" && globRegExp(a).test(PASS_ROLE),
      );
      if (!excluded) grant = `every action except ${JSON.stringify(stmt.NotAction)} (NotAction)`;
    } else {
      if (containsUnknown(stmt.Action)) {
        out.undetermined.push(`${path} ${sid}.Action`);
        continue;
      }
      const a = asArray(stmt.Action).find((x) => typeof x === "string" && globRegExp(x).test(PASS_ROLE));
      if (a !== undefined) grant = JSON.stringify(a);
    }
    if (!grant) continue;
    // On which roles.
    let on: string | undefined;
    if (stmt.NotResource !== undefined) on = `every resource except ${JSON.stringify(stmt.NotResource)}`;
    else {
      if (containsUnknown(stmt.Resource)) {
        out.undetermined.push(`${path} ${sid}.Resource`);
        continue;
      }
      const r = asArray(stmt.Resource).find((x) => typeof x === "string" && coversEveryRole(x));
      if (r !== undefined) on = JSON.stringify(r);
    }
    if (!on) continue;
    const cond = stmt.Condition;
    if (cond !== undefined && cond !== null) {
      if (containsUnknown(cond)) {
        out.undetermined.push(`${path} ${sid}.Condition`);
        continue;
      }
      const keys =
        typeof cond === "object"
          ? Object.values(cond as Props).flatMap((b) =>
              b && typeof b === "object" ? Object.keys(b as Props).map((k) => k.toLowerCase()) : [],
            )
          : [];
      if (keys.some((k) => !ROLE_SCOPE_KEYS.has(k))) {
        out.notes.push(
          `${path} ${sid} allows ${grant} on ${on} under a condition (${Object.keys(cond as Props).join(", ")}) this policy does not judge: check that it limits which roles can be passed.`,
        );
        continue;
      }
    }
    out.violations.push(
      `${path} ${sid} allows ${grant} on ${on}${cond ? " (its condition limits only where the role goes, not which role)" : ""}`,
    );
  }
  return out;
}
