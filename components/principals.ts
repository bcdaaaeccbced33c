/**
 * Who the baseline's resource policies exempt or admit, as `aws:PrincipalArn` values: the identity that
 * deploys the stack (so a policy never refuses the stack's own next update), the break-glass principal,
 * and analysts of other accounts. Pure functions of plain values.
 */

const show = (v: unknown) => JSON.stringify(v);

/**
 * The `aws:PrincipalArn` patterns that match the identity running `pulumi up`, from its
 * `sts:GetCallerIdentity` ARN. A role session (`arn:aws:sts::<a>:assumed-role/<role>/<session>`) is
 * matched by its role, whose ARN carries a path the session ARN drops (IAM Identity Center roles live
 * under `/aws-reserved/sso.amazonaws.com/...`): hence the role without a path and under any path. Role
 * names are unique in an account whatever their path, so the any-path pattern matches no other role.
 * Users, the root user and federated users are their own principal ARN.
 */
export function deployerPrincipalPatterns(callerArn: string): string[] {
  const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(callerArn);
  if (session) {
    const [, partition, account, role] = session;
    return [
      `arn:${partition}:iam::${account}:role/${role}`,
      `arn:${partition}:iam::${account}:role/*/${role}`,
    ];
  }
  if (/^arn:aws[\w-]*:(iam::\d{12}:(root|user\/.+)|sts::\d{12}:federated-user\/.+)$/.test(callerArn))
    return [callerArn];
  throw new Error(
    `deploying identity ${show(callerArn)} is not an IAM user, role session, federated user or root ARN: ` +
      "the baseline's resource policies must exempt it; run `pulumi up` with ordinary AWS credentials",
  );
}

/** The account of a principal ARN or pattern (`arn:aws:iam::<account>:...` or `arn:aws:sts::<account>:...`). */
export function accountOfPrincipal(arn: string): string | undefined {
  return /^arn:aws[\w-]*:(iam|sts)::(\d{12}):/.exec(arn)?.[2];
}

/**
 * Analysts of another account read evidence only when their account is listed (`analystAccountIds`):
 * the bucket and key policies then allow them explicitly. An analyst of an unlisted account other than
 * the deploying one would be refused by both policies whatever its own account grants, so it is an error.
 */
export function checkAnalystAccounts(
  analysts: readonly string[],
  listedAccounts: readonly string[],
  deployingAccount: string,
): void {
  const stray = analysts.filter((a) => {
    const account = accountOfPrincipal(a);
    return account !== deployingAccount && !listedAccounts.includes(account ?? "");
  });
  if (stray.length)
    throw new Error(
      `analyst principal${stray.length > 1 ? "s" : ""} ${stray.map(show).join(", ")} ` +
        `${stray.length > 1 ? "are" : "is"} not in the deploying account ${deployingAccount} nor in analystAccountIds ` +
        `(${show(listedAccounts)}): add the account to incident-ready:analystAccountIds to let it read evidence ` +
        "across accounts (the evidence bucket and key policies then allow it), or name a principal of this account",
    );
}

/** The principals of `analysts` that are in one of `accounts` (the cross-account readers). */
export function analystsIn(analysts: readonly string[], accounts: readonly string[]): string[] {
  return analysts.filter((a) => accounts.includes(accountOfPrincipal(a) ?? ""));
}
