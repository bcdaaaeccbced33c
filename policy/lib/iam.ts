/** IAM policy-document analysis: which statements grant administrator or service-wide wildcard access. */
import { isUnknown } from "./unknown";
import { asArray, jsonDoc, type Props } from "./values";

/** AWS managed policies that amount to administrator (or near-administrator) access. */
export const ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"] as const;

export interface Grant {
  /** "admin": Action * on Resource *; "wildcard": service:* (or privilege escalation) on Resource *. */
  level: "admin" | "wildcard";
  detail: string;
}

/** Services whose full wildcard on every resource is treated as dangerous on an instance role. */
export const DEFAULT_WILDCARD_SERVICES = [
  "iam",
  "sts",
  "kms",
  "secretsmanager",
  "ssm",
  "s3",
  "ec2",
  "lambda",
  "organizations",
  "cloudtrail",
  "dynamodb",
];

const ESCALATION_ACTIONS = new Set([
  "iam:passrole",
  "iam:createaccesskey",
  "iam:attachrolepolicy",
  "iam:putrolepolicy",
  "iam:createpolicyversion",
  "iam:updateassumerolepolicy",
]);

function allResources(stmt: Props): boolean {
  if (stmt.NotResource !== undefined) return true; // NotResource with Allow is almost everything
  return asArray(stmt.Resource).some((r) => r === "*" || r === "arn:aws:*:*:*:*");
}

/**
 * Analyses a policy document (string or object). Returns the grants found; `unknown` when the
 * document is not known during preview.
 */
export function analysePolicy(
  doc: unknown,
  wildcardServices: readonly string[] = DEFAULT_WILDCARD_SERVICES,
): Grant[] | "unknown" {
  const d = jsonDoc(doc);
  if (!d.known) return "unknown";
  if (!d.value) return [];
  const grants: Grant[] = [];
  const statements = asArray(d.value.Statement);
  statements.forEach((s, i) => {
    if (!s || typeof s !== "object" || isUnknown(s)) return;
    const stmt = s as Props;
    if (stmt.Effect !== "Allow") return;
    if (!allResources(stmt)) return;
    const sid = typeof stmt.Sid === "string" ? `statement "${stmt.Sid}"` : `Statement[${i}]`;
    if (stmt.NotAction !== undefined) {
      grants.push({
        level: "admin",
        detail: `${sid} allows every action except ${JSON.stringify(stmt.NotAction)} on all resources (NotAction)`,
      });
      return;
    }
    for (const a of asArray(stmt.Action)) {
      if (typeof a !== "string") continue;
      const action = a.toLowerCase();
      if (action === "*" || action === "*:*") {
        grants.push({ level: "admin", detail: `${sid} allows "*" on all resources` });
        return;
      }
      const [service, verb] = action.split(":");
      if (verb === "*" && wildcardServices.includes(service))
        grants.push({ level: "wildcard", detail: `${sid} allows "${a}" on all resources` });
      else if (ESCALATION_ACTIONS.has(action))
        grants.push({
          level: "wildcard",
          detail: `${sid} allows "${a}" on all resources (privilege escalation)`,
        });
    }
  });
  return grants;
}

/** The AWS managed admin policy an ARN names, if any. */
export function adminManagedPolicy(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(arn);
  if (!m) return undefined;
  return (ADMIN_MANAGED_POLICIES as readonly string[]).includes(m[1]) ? m[1] : undefined;
}
