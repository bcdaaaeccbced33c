/**
 * Responder access: the `ir-responder` role (assumable by configured humans, with MFA where their
 * sessions can carry it, by automation roles, and by the auto-containment function only when
 * auto-containment is on), its policy generated from the shared action list, the permissions boundary
 * of the roles it creates, and the deny-all instance profile swapped onto a contained instance.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  DENY_ALL_PROFILE_NAME,
  MANAGED_BY,
  RESPONDER_ACTIONS,
  RESPONDER_ROLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
} from "../facts";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../facts/forensic";
import { QUARANTINE_POLICY_NAME, quarantinePolicy } from "../facts/quarantine-policy";
import { ROLE_BOUNDARY_NAME, roleBoundaryPolicy } from "../facts/role-boundary";
import { AUTO_CONTAIN_FUNCTION_NAME } from "./auto-containment-pattern";
import {
  checkResponderMfa,
  policyGroupOf,
  RESPONDER_POLICY_GROUPS,
  type ResponderMfa,
  type ResponderPolicyContext,
  responderPolicyDocument,
  responderPolicyDocuments,
  responderTrustPolicy,
} from "./responder-policy";

export { responderTrustPolicy };

import { checkIfPlain, validatePrincipalArn } from "./validation";

/** Inline policy name on the deny-all role (the same name `ir bootstrap` uses). */
export const DENY_ALL_POLICY_NAME = QUARANTINE_POLICY_NAME;

export interface ResponderAccessArgs {
  /**
   * Human principals (IAM users or roles) who may assume the responder role, with MFA as `humanMfa`
   * says.
   * @default []
   */
  humanPrincipalArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * MFA (`aws:MultiFactorAuthPresent`) required of human principals: `required` (all), `iam-users`
   * (IAM users only: IAM Identity Center and SAML role sessions never carry the flag, their identity
   * provider enforces MFA) or `off`. An Identity Center role under `required` is refused.
   * @default "required"
   */
  humanMfa?: ResponderMfa;
  /** Automation roles (no MFA) that may assume the responder role, e.g. a CI or SOAR role. @default [] */
  automationPrincipalArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Auto-containment is on: its function (`ir-auto-contain`, in this provider's Region) runs as the
   * responder role. Only then does the role trust Lambda (of this account), and every call made with the
   * role from any other function's code is denied by the role's own policy (`lambda:SourceFunctionArn`).
   * @default false (the role trusts no Lambda function)
   */
  autoContainment?: boolean;
  /**
   * Actions the response automation calls: the policy lists exactly these, each scoped.
   * @default RESPONDER_ACTIONS (facts/responder-actions.ts)
   */
  actions?: readonly string[];
  /** Evidence bucket ARN (EvidenceStore.evidenceBucketArn). */
  evidenceBucketArn: pulumi.Input<string>;
  /** Tools bucket ARN (EvidenceStore.toolsBucketArn). */
  toolsBucketArn: pulumi.Input<string>;
  /**
   * Log archive bucket ARN: `ir analyze` reads the instance's VPC flow logs from it (only under the
   * flow-log prefix). @default no read access to the archive (flow-log analysis reports it as denied)
   */
  logArchiveBucketArn?: pulumi.Input<string>;
  /** Keys of the log archive (the audit key): decrypt through S3 only. @default none */
  logArchiveKmsKeyArns?: pulumi.Input<string>[];
  /**
   * Roles of the instance profiles in workload launch templates: `ir recover --via asg` points a
   * workload's group at a new template version and AWS checks the caller may pass that role.
   * @default none (such groups are recovered with --via pulumi or by someone who may pass the role)
   */
  workloadRoleArns?: pulumi.Input<string>[];
  /** Journal table ARN (EvidenceStore.journalTableArn). */
  journalTableArn: pulumi.Input<string>;
  /** KMS keys the responder uses (evidence key; EBS key for snapshot copies). */
  kmsKeyArns: pulumi.Input<pulumi.Input<string>[]>;
  /** Regions the responder acts in. @default [the provider's region] */
  regions?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Only stop or terminate instances that carry an `ir:case-id` tag (the responder tags an instance
   * when it opens a case), so the role cannot be used to terminate arbitrary instances.
   * @default true
   */
  requireCaseTagForDestructive?: boolean;
  /** Maximum session duration of the responder role in seconds (1 h to 12 h). @default 14400 (4 h) */
  maxSessionDurationSeconds?: pulumi.Input<number>;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ResponderAccess extends pulumi.ComponentResource {
  public readonly responderRoleArn: pulumi.Output<string>;
  public readonly responderRoleName: pulumi.Output<string>;
  /** The generated policy JSON (for review). */
  public readonly responderPolicyJson: pulumi.Output<string>;
  public readonly denyAllInstanceProfileName: pulumi.Output<string>;
  public readonly denyAllInstanceProfileArn: pulumi.Output<string>;
  public readonly denyAllRoleArn: pulumi.Output<string>;
  /** The permissions boundary of the roles the responder creates. */
  public readonly roleBoundaryArn: pulumi.Output<string>;

  constructor(name: string, args: ResponderAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:ResponderAccess", name, {}, opts);
    checkIfPlain(args.humanPrincipalArns, (v: string) =>
      validatePrincipalArn(v, { what: "responder human principal arn" }),
    );
    checkIfPlain(args.automationPrincipalArns, (v: string) =>
      validatePrincipalArn(v, { what: "responder automation principal arn" }),
    );
    const humanMfa = args.humanMfa ?? "required";
    const plainHumans = args.humanPrincipalArns;
    if (Array.isArray(plainHumans) && plainHumans.every((h) => typeof h === "string"))
      checkResponderMfa(plainHumans as string[], humanMfa);
    const p = { parent: this };
    const account = aws.getCallerIdentityOutput({}, p).accountId;
    const region = aws.getRegionOutput({}, p).region;
    const partition = aws.getPartitionOutput({}, p).partition;
    const tags = (role?: string) =>
      pulumi
        .output(args.tags ?? {})
        .apply((t) => ({ ...t, [TAG.managedBy]: MANAGED_BY, ...(role ? { [TAG.role]: role } : {}) }));

    // The function's ARN is known before it exists (its name is fixed): the role and its policies come
    // first, the function (components/auto-containment.ts) runs as the role.
    const functionArn = args.autoContainment
      ? pulumi.interpolate`arn:${partition}:lambda:${region}:${account}:function:${AUTO_CONTAIN_FUNCTION_NAME}`
      : pulumi.output("");
    const trust = pulumi
      .all([
        pulumi.output(args.humanPrincipalArns ?? []),
        pulumi.output(args.automationPrincipalArns ?? []),
        functionArn,
        account,
      ])
      .apply(([humans, automation, fn, acct]) =>
        JSON.stringify(
          responderTrustPolicy({
            humans,
            mfa: humanMfa,
            automation,
            ...(fn ? { autoContainFunctionArn: fn } : {}),
            accountId: acct,
          }),
        ),
      );

    const role = new aws.iam.Role(
      `${name}-responder`,
      {
        name: RESPONDER_ROLE_NAME,
        description: "Incident responders and the auto-containment function (ec2-incident-ready)",
        assumeRolePolicy: trust,
        maxSessionDuration: args.maxSessionDurationSeconds ?? 14400,
        tags: tags(),
      },
      p,
    );
    const roleArn = pulumi.interpolate`arn:${partition}:iam::${account}:role/${RESPONDER_ROLE_NAME}`;
    const denyAllRoleArn = pulumi.interpolate`arn:${partition}:iam::${account}:role/${DENY_ALL_PROFILE_NAME}`;
    const workstationRoleArn = pulumi.interpolate`arn:${partition}:iam::${account}:role/${FORENSIC_WORKSTATION_ROLE_NAME}`;

    const actions = args.actions ?? RESPONDER_ACTIONS;
    const regionsOut = pulumi.output(args.regions ?? [region]) as pulumi.Output<string[]>;
    const keysOut = pulumi.output(args.kmsKeyArns) as pulumi.Output<string[]>;
    const context = pulumi
      .all([
        pulumi.all([
          partition,
          account,
          regionsOut,
          pulumi.output(args.evidenceBucketArn),
          pulumi.output(args.toolsBucketArn),
        ]),
        pulumi.all([
          pulumi.output(args.journalTableArn),
          keysOut,
          denyAllRoleArn,
          workstationRoleArn,
          roleArn,
        ]),
        pulumi.all([
          pulumi.output(args.logArchiveBucketArn ?? ""),
          pulumi.output(args.logArchiveKmsKeyArns ?? []) as pulumi.Output<string[]>,
          pulumi.output(args.workloadRoleArns ?? []) as pulumi.Output<string[]>,
          functionArn,
        ]),
      ])
      .apply(
        ([
          [part, acct, regions, evidence, tools],
          [journal, keys, denyAll, workstation, self],
          [archive, archiveKeys, workloadRoles, fn],
        ]): ResponderPolicyContext => ({
          partition: part,
          accountId: acct,
          regions,
          evidenceBucketArn: evidence,
          toolsBucketArn: tools,
          journalTableArn: journal,
          kmsKeyArns: keys,
          passableRoleArns: [denyAll, workstation, ...workloadRoles],
          responderRoleArn: self,
          requireCaseTagForDestructive: args.requireCaseTagForDestructive ?? true,
          ...(archive ? { logArchiveBucketArn: archive } : {}),
          ...(archiveKeys.length > 0 ? { logArchiveKmsKeyArns: archiveKeys } : {}),
          ...(fn ? { autoContainFunctionArn: fn } : {}),
        }),
      );
    const policyJson = context.apply((c) => JSON.stringify(responderPolicyDocument(actions, c)));
    // Managed policies, one per group of services: the whole document is over a role's 10,240-character
    // inline budget (IAM refuses it); the groups are fixed, so the declared policies are known here.
    const documents = context.apply((c) => responderPolicyDocuments(actions, c));
    const groups = RESPONDER_POLICY_GROUPS.filter((g) => actions.some((a) => policyGroupOf(a) === g));
    for (const g of groups) {
      const policy = new aws.iam.Policy(
        `${name}-${g.name}`,
        {
          name: g.name,
          description: `ec2-incident-ready responder permissions (${g.services.join(", ")})`,
          policy: documents.apply((ds) => JSON.stringify(ds.find((d) => d.name === g.name)!.document)),
          tags: tags(),
        },
        p,
      );
      new aws.iam.RolePolicyAttachment(`${name}-${g.name}`, { role: role.name, policyArn: policy.arn }, p);
    }
    if (groups.length === 0)
      pulumi.log.warn(
        "the responder action list is empty: the responder role gets no permissions until facts/responder-actions.ts lists them",
        this,
      );

    // The permissions boundary the responder must put on every role it creates (iam:CreateRole is
    // allowed only with it): the SSM agent's calls, nothing else (facts/role-boundary.ts).
    const boundary = new aws.iam.Policy(
      `${name}-role-boundary`,
      {
        name: ROLE_BOUNDARY_NAME,
        description:
          "Permissions boundary of every role the responder creates: a managed node's SSM calls only",
        policy: JSON.stringify(roleBoundaryPolicy()),
        tags: tags(),
      },
      p,
    );

    // Quarantine ("deny-all") instance profile: a contained instance's IMDS then hands out credentials
    // that can do nothing but let the SSM agent take the memory capture and the log collection.
    const denyRole = new aws.iam.Role(
      `${name}-deny-all`,
      {
        name: DENY_ALL_PROFILE_NAME,
        description: "Swapped onto contained instances: denies every action but the SSM agent's own",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags: tags(ROLE_TAG_VALUES.denyAllProfile),
      },
      p,
    );
    new aws.iam.RolePolicy(
      `${name}-deny-all-policy`,
      {
        role: denyRole.name,
        name: DENY_ALL_POLICY_NAME,
        policy: pulumi
          .all([partition, account])
          .apply(([partition, accountId]) => JSON.stringify(quarantinePolicy({ partition, accountId }))),
      },
      p,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-deny-all-profile`,
      { name: DENY_ALL_PROFILE_NAME, role: denyRole.name, tags: tags(ROLE_TAG_VALUES.denyAllProfile) },
      p,
    );

    this.responderRoleArn = role.arn;
    this.responderRoleName = role.name;
    this.responderPolicyJson = policyJson;
    this.denyAllInstanceProfileName = profile.name;
    this.denyAllInstanceProfileArn = profile.arn;
    this.denyAllRoleArn = denyRole.arn;
    this.roleBoundaryArn = boundary.arn;
    this.registerOutputs({
      responderRoleArn: this.responderRoleArn,
      denyAllInstanceProfileName: this.denyAllInstanceProfileName,
      denyAllInstanceProfileArn: this.denyAllInstanceProfileArn,
    });
  }
}
