/**
 * Does a workload key's policy let the responder use the key through EC2? Read before a snapshot is
 * copied, so a key that does not admit the responder is named, with the statement to add, before
 * anything is created: on AWS a copy EBS cannot make is only seen later, as a snapshot in `error`.
 *
 * Deliberately small, and optimistic where it cannot tell: a statement naming the account (root) leaves
 * the decision to IAM, and the responder's own policy grants these actions (components/responder-policy.ts);
 * a condition on a key or with an operator not known here counts as met. Only a policy that certainly
 * does not admit the responder (no Allow can match, or a Deny certainly does) stops the copy; anything
 * else is left to EBS, whose refusal the copy step reports with the same statement.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 */

export interface KeyUser {
  accountId: string;
  /** The role (or user) ARN the responder signs as: arn:aws:iam::<account>:role/<name>. */
  principalArn: string;
  /** The key's Region: EBS calls KMS from EC2 there (kms:ViaService ec2.<region>.amazonaws.com). */
  region: string;
}

type Tri = boolean | "unknown";
type Statement = Record<string, unknown>;

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  ).test(value);

function principalMatches(s: Statement, who: KeyUser): Tri {
  if (s.NotPrincipal !== undefined) return "unknown";
  const p = s.Principal;
  if (p === "*") return true;
  const aws = list((p as { AWS?: unknown } | undefined)?.AWS);
  const names = ["*", who.accountId, `arn:aws:iam::${who.accountId}:root`, who.principalArn].map((n) =>
    n.toLowerCase(),
  );
  return aws.some((a) => names.includes(a.toLowerCase()));
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !list(s.NotAction).some((a) => glob(a, action));
  return list(s.Action).some((a) => glob(a, action));
}

/** The request context EBS's calls carry, as KMS evaluates them. */
function contextFor(action: string, who: KeyUser): Record<string, string> {
  return {
    "kms:viaservice": `ec2.${who.region}.amazonaws.com`,
    "kms:calleraccount": who.accountId,
    "aws:principalarn": who.principalArn,
    "aws:principalaccount": who.accountId,
    "aws:requestedregion": who.region,
    ...(action === "kms:CreateGrant" ? { "kms:grantisforawsresource": "true" } : {}),
  };
}

const KNOWN_KEYS = new Set([
  "kms:viaservice",
  "kms:calleraccount",
  "aws:principalarn",
  "aws:principalaccount",
  "aws:requestedregion",
  "kms:grantisforawsresource",
]);

/** One operator on one key; "unknown" where this module cannot tell. */
function test(operator: string, key: string, wanted: string[], ctx: Record<string, string>): Tri {
  const k = key.toLowerCase();
  if (!KNOWN_KEYS.has(k) || operator.includes(":")) return "unknown";
  const value = ctx[k];
  if (operator === "Null") return wanted.some((w) => (w === "true") === (value === undefined));
  const ifExists = operator.endsWith("IfExists");
  const op = operator.replace(/IfExists$/, "");
  if (value === undefined) return ifExists || /Not/.test(op);
  switch (op) {
    case "StringEquals":
    case "ArnEquals":
    case "Bool":
      return wanted.includes(value);
    case "StringEqualsIgnoreCase":
      return wanted.some((w) => w.toLowerCase() === value.toLowerCase());
    case "StringLike":
    case "ArnLike":
      return wanted.some((w) => glob(w, value));
    case "StringNotEquals":
    case "ArnNotEquals":
      return !wanted.includes(value);
    case "StringNotLike":
    case "ArnNotLike":
      return !wanted.some((w) => glob(w, value));
    default:
      return "unknown";
  }
}

function conditionHolds(s: Statement, ctx: Record<string, string>): Tri {
  let result: Tri = true;
  for (const [operator, block] of Object.entries((s.Condition ?? {}) as Record<string, unknown>))
    for (const [key, wanted] of Object.entries((block ?? {}) as Record<string, unknown>)) {
      const r = test(operator, key, list(wanted), ctx);
      if (r === false) return false;
      if (r === "unknown") result = "unknown";
    }
  return result;
}

const statementsOf = (policy: unknown): Statement[] =>
  [(policy as { Statement?: unknown } | undefined)?.Statement ?? []].flat() as Statement[];

/**
 * The actions of `actions` the key policy certainly does not let `who` call through EC2 (no Allow can
 * match, or a Deny certainly matches); [] when it admits them or cannot tell.
 */
export function refusedByKeyPolicy(policy: unknown, actions: readonly string[], who: KeyUser): string[] {
  const statements = statementsOf(policy);
  return actions.filter((action) => {
    const ctx = contextFor(action, who);
    const applies = (s: Statement): Tri => {
      if (!actionMatches(s, action)) return false;
      const p = principalMatches(s, who);
      const c = conditionHolds(s, ctx);
      if (p === false || c === false) return false;
      return p === true && c === true ? true : "unknown";
    };
    if (statements.some((s) => s.Effect === "Deny" && applies(s) === true)) return true;
    return !statements.some((s) => s.Effect === "Allow" && applies(s) !== false);
  });
}

/**
 * The key-policy statements that let `who` copy snapshots encrypted under a workload key: EBS's use of
 * the key through EC2 (`actions`), and the two reads `ir investigate` makes itself before it copies.
 */
export function statementsToAdd(who: KeyUser, actions: readonly string[]): Statement[] {
  return [
    {
      Sid: "IncidentResponderUsesKeyViaEc2",
      Effect: "Allow",
      Principal: { AWS: who.principalArn },
      Action: [...actions],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:ViaService": `ec2.${who.region}.amazonaws.com`,
          "kms:CallerAccount": who.accountId,
        },
        // Present on CreateGrant only: there it must be a grant for an AWS resource (the copy).
        BoolIfExists: { "kms:GrantIsForAWSResource": "true" },
      },
    },
    {
      Sid: "IncidentResponderChecksKey",
      Effect: "Allow",
      Principal: { AWS: who.principalArn },
      Action: ["kms:DescribeKey", "kms:GetKeyPolicy"],
      Resource: "*",
    },
  ];
}

/** The grant that does the same as the first statement (grants take no kms:ViaService condition). */
export const grantCommand = (keyArn: string, who: KeyUser, actions: readonly string[]) =>
  `aws kms create-grant --key-id ${keyArn} --grantee-principal ${who.principalArn} --operations ${actions
    .map((a) => a.replace(/^kms:/, ""))
    .join(" ")}`;

/** The responder's principal ARN from its caller identity (an assumed role's session → the role). */
export function principalOf(callerArn: string): string {
  const m = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}
