/**
 * Generates the responder role's IAM policy from the shared action list (facts/responder-actions.ts),
 * scoping each action to the resources and tags AWS allows. Pure functions of plain values.
 *
 * Rules: every statement names explicit actions (never a wildcard action); `Resource: "*"` only for
 * actions that support no resource-level permission (Describe*, List*, most Get* read calls); an
 * action of a service this module has no rule for fails loudly, so a new call in the responder cannot
 * silently get broad rights.
 */
import {
  DENY_ALL_PROFILE_NAME,
  NAME_PREFIX,
  RESPONDER_ROLE_NAME,
  ROLE_WRITER_FUNCTION_NAME,
  SSM,
  TAG,
} from "../facts";
import { FLOW_LOG_PREFIX } from "../facts/flow-logs";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../facts/forensic";
import { roleBoundaryArn } from "../facts/role-boundary";

export interface ResponderPolicyContext {
  partition: string;
  accountId: string;
  /** Regions the responder works in (resource ARNs and `aws:RequestedRegion`). */
  regions: string[];
  evidenceBucketArn: string;
  toolsBucketArn: string;
  journalTableArn: string;
  /** KMS keys the responder encrypts and decrypts with (evidence key, EBS key...). */
  kmsKeyArns: string[];
  /** Roles the responder may pass to EC2 (deny-all role, forensic workstation role, workload roles). */
  passableRoleArns: string[];
  /** The responder role itself: protected from self-modification. */
  responderRoleArn: string;
  /** Require the `ir:case-id` tag on instances the responder stops or terminates. */
  requireCaseTagForDestructive: boolean;
  /**
   * The log archive (`ir analyze` reads VPC flow logs there): list the bucket, read only the flow-log
   * prefix of this account. @default none (flow logs are then reported as unreadable)
   */
  logArchiveBucketArn?: string;
  /** Keys of the log archive (kms:Decrypt through S3 only). @default [] */
  logArchiveKmsKeyArns?: string[];
  /**
   * The auto-containment function, when it runs as the responder role: every call made with the role's
   * credentials from the code of any other Lambda function is denied (`lambda:SourceFunctionArn`).
   * @default none (auto-containment off: the role trusts no Lambda function)
   */
  autoContainFunctionArn?: string;
}

interface Scope {
  resources: string[] | "*";
  condition?: Record<string, Record<string, unknown>>;
}

/** The one SSM document the responder runs (automation/steps/ssm-command.ts SHELL_DOCUMENT). */
const SHELL_DOCUMENT = "AWS-RunShellScript";

/**
 * The EC2 calls of the responder that tag what they create (TagSpecifications): ec2:CreateTags is
 * authorised on the new resource with ec2:CreateAction naming the call.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
 */
export const TAG_ON_CREATE: readonly string[] = [
  "CopySnapshot",
  "CreateSecurityGroup",
  "CreateSnapshots",
  "CreateSubnet",
  "CreateVolume",
  "CreateVpc",
  "CreateVpcEndpoint",
  "RunInstances",
];

/** Read-only actions with no resource-level permissions (checked against the IAM service reference). */
const UNSCOPED = new Set<string>([
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeAutoScalingInstances",
  "autoscaling:DescribeLifecycleHooks",
  "autoscaling:DescribeScalingActivities",
  "cloudtrail:LookupEvents",
  "config:GetResourceConfigHistory",
  "config:SelectResourceConfig",
  "ec2:DescribeAddresses",
  "ec2:DescribeIamInstanceProfileAssociations",
  "ec2:DescribeImages",
  "ec2:DescribeInstanceAttribute",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribeLaunchTemplateVersions",
  "ec2:DescribeNetworkInterfaceAttribute",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSnapshots",
  "ec2:DescribeSubnets",
  "ec2:DescribeTags",
  "ec2:DescribeVolumes",
  "ec2:DescribeVpcs",
  "elasticloadbalancing:DescribeInstanceHealth",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTags",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "guardduty:ListDetectors",
  "iam:ListInstanceProfiles",
  "s3:ListAllMyBuckets",
  "securityhub:GetFindings",
  "ssm:DescribeInstanceInformation",
  "ssm:GetCommandInvocation",
  "ssm:ListCommandInvocations",
  "ssm:ListCommands",
  "sts:GetCallerIdentity",
]);

/** Services none of whose Describe* actions supports resource-level permissions. */
const DESCRIBE_UNSCOPED_SERVICES = new Set(["autoscaling", "ec2", "elasticloadbalancing"]);

/** IAM actions that create or delete identities: only those named with the project prefix (ir-*). */
const IAM_LIFECYCLE =
  /^(Create|Delete)(Role|InstanceProfile)$|^(AddRoleTo|RemoveRoleFrom)InstanceProfile$|^Tag(Role|InstanceProfile)$/;

/** Services whose calls are global (no `aws:RequestedRegion` condition on them). */
const GLOBAL_SERVICES = new Set(["iam", "sts"]);

const isRead = (action: string) => /^(Describe|Get|List|Lookup|Search|Select)/.test(action);

/**
 * The Region part of resource ARNs: the Region itself when there is one, else "*". Every regional
 * statement also carries `aws:RequestedRegion` with the list, so "*" grants no other Region; it keeps
 * the policy inside IAM's size limits (one ARN per resource type instead of one per Region).
 */
const arnRegion = (c: ResponderPolicyContext) => (c.regions.length === 1 ? c.regions[0]! : "*");

/** EBS calls KMS in the caller's name, from EC2 in the caller's Region: kms:ViaService says so. */
const viaEc2 = (c: ResponderPolicyContext) => ({
  StringEquals: { "kms:ViaService": c.regions.map((r) => `ec2.${r}.amazonaws.com`) },
});

/** Every KMS key of the account: the workload keys the case snapshots are encrypted under are not known. */
const accountKeys = (c: ResponderPolicyContext) => [
  `arn:${c.partition}:kms:${arnRegion(c)}:${c.accountId}:key/*`,
];

/**
 * KMS for `ir investigate`'s evidence copies (docs/investigate.md). EBS, in the responder's name, reads
 * a case snapshot under the workload's key and re-encrypts it under the incident key (the baseline's
 * evidence key, in `kmsKeyArns`), then makes the volumes from the copy:
 * - on any key of the account, through EC2 only: what reading a snapshot for a copy needs
 *   (EBS_COPY_SOURCE_KMS_ACTIONS: CreateGrant for an AWS resource, Decrypt, DescribeKey, ReEncryptFrom);
 * - on the baseline's keys, through EC2 only: the rest of what EBS needs to encrypt under a key
 *   (GenerateDataKeyWithoutPlaintext, ReEncryptTo);
 * - DescribeKey and GetKeyPolicy on any key of the account, directly: the check before the copy reads
 *   the workload key's state and policy (metadata, no key material), so a key that does not admit the
 *   responder is named, with the statement to add, before anything is created.
 */
function kmsScope(action: string, c: ResponderPolicyContext): Scope {
  switch (action) {
    case "CreateGrant":
      return {
        resources: accountKeys(c),
        condition: { ...viaEc2(c), Bool: { "kms:GrantIsForAWSResource": "true" } },
      };
    case "ReEncryptFrom":
      return { resources: accountKeys(c), condition: viaEc2(c) };
    case "DescribeKey":
    case "GetKeyPolicy":
      return { resources: accountKeys(c) };
    case "GenerateDataKeyWithoutPlaintext":
    case "ReEncryptTo":
      return { resources: c.kmsKeyArns, condition: viaEc2(c) };
    default:
      return { resources: c.kmsKeyArns };
  }
}

/** Scope of one action, or an error message when no rule covers it. */
export function scopeFor(fullAction: string, c: ResponderPolicyContext): Scope {
  if (fullAction.includes("*"))
    throw new Error(`responder action "${fullAction}" is a wildcard: list explicit actions`);
  const [service, action] = fullAction.split(":");
  if (!service || !action)
    throw new Error(`responder action "${fullAction}" is not valid: expected <service>:<Action>`);
  if (UNSCOPED.has(fullAction)) return { resources: "*" };
  // EC2, Auto Scaling and ELB Describe* calls support no resource-level permission at all.
  if (DESCRIBE_UNSCOPED_SERVICES.has(service) && action.startsWith("Describe")) return { resources: "*" };
  const { partition: p, accountId: a } = c;
  const regional = (svc: string, suffix: string) => [`arn:${p}:${svc}:${arnRegion(c)}:${a}:${suffix}`];
  switch (service) {
    case "ec2": {
      // Snapshots and images have no account in their ARN; everything else is scoped to the account.
      const owned = regional("ec2", "*");
      const unowned = [`arn:${p}:ec2:${arnRegion(c)}::snapshot/*`, `arn:${p}:ec2:${arnRegion(c)}::image/*`];
      // Recovery pins a known-good AMI in a workload's launch template (tagged ir:workload), no other.
      if (action === "CreateLaunchTemplateVersion")
        return {
          resources: regional("ec2", "launch-template/*"),
          condition: { Null: { [`aws:ResourceTag/${TAG.workload}`]: "false" } },
        };
      // Tags are written on what a call creates (ec2:CreateAction), never on what exists, except the case
      // keys on instances (extraScopesFor): a tag the responder could put anywhere would open every guard
      // that tests it (a volume tagged with a case id could be deleted, a group tagged ir:role opened).
      if (action === "CreateTags")
        return {
          resources: [...owned, ...unowned],
          condition: { StringEquals: { "ec2:CreateAction": [...TAG_ON_CREATE] } },
        };
      // Rules change only on the project's own groups (isolation, untrack, forensic egress, the forensic
      // VPC's): a rule on any other group would open every instance in it.
      if (/^(Authorize|Revoke)SecurityGroup(Ingress|Egress)$/.test(action))
        return {
          resources: regional("ec2", "security-group/*"),
          condition: { Null: { [`aws:ResourceTag/${TAG.role}`]: "false" } },
        };
      // A group it creates carries ir:role from the start (the VPC it goes in: extraScopesFor).
      if (action === "CreateSecurityGroup")
        return {
          resources: regional("ec2", "security-group/*"),
          condition: { Null: { [`aws:RequestTag/${TAG.role}`]: "false" } },
        };
      // Forensic workstations and their evidence volumes: created only with the case tag on them,
      // attached and deleted only when they carry it (the compromised instance's own volumes never do).
      // The request tag exists only on what the call creates and tags: the existing image, subnet, group
      // and snapshot it also authorises are allowed by a statement without it (extraScopesFor).
      if (action === "RunInstances" || action === "CreateVolume")
        return {
          resources: regional("ec2", action === "RunInstances" ? "instance/*" : "volume/*").concat(
            action === "RunInstances" ? regional("ec2", "volume/*") : [],
          ),
          condition: { Null: { [`aws:RequestTag/${TAG.caseId}`]: "false" } },
        };
      // `ir bootstrap --forensic`: the minimal forensic VPC, created only with its ir:role tag.
      // What these calls create carries the request tag; the VPC, subnets, groups and route tables they
      // build on exist already (extraScopesFor), and a request tag is never on those.
      if (["CreateVpc", "CreateSubnet", "CreateVpcEndpoint"].includes(action))
        return {
          resources: regional(
            "ec2",
            action === "CreateVpc" ? "vpc/*" : action === "CreateSubnet" ? "subnet/*" : "vpc-endpoint/*",
          ),
          condition: { Null: { [`aws:RequestTag/${TAG.role}`]: "false" } },
        };
      if (action === "ModifyVpcAttribute")
        return {
          resources: regional("ec2", "vpc/*"),
          condition: { Null: { [`aws:ResourceTag/${TAG.role}`]: "false" } },
        };
      if (action === "AttachVolume" || action === "DeleteVolume")
        return {
          resources: [
            ...(action === "AttachVolume" ? regional("ec2", "instance/*") : []),
            ...regional("ec2", "volume/*"),
          ],
          condition: { Null: { [`aws:ResourceTag/${TAG.caseId}`]: "false" } },
        };
      // Only a case's instance, and only once it runs under the quarantine profile (a contained instance)
      // or the forensic workstation's: the case tag alone can be put on any instance that has none (that
      // is how a case opens), so it cannot be what protects the account's other instances.
      if ((action === "TerminateInstances" || action === "StopInstances") && c.requireCaseTagForDestructive)
        return {
          resources: regional("ec2", "instance/*"),
          condition: {
            Null: { [`aws:ResourceTag/${TAG.caseId}`]: "false" },
            ArnEquals: {
              "ec2:InstanceProfile": [DENY_ALL_PROFILE_NAME, FORENSIC_WORKSTATION_ROLE_NAME].map(
                (n) => `arn:${p}:iam::${a}:instance-profile/${n}`,
              ),
            },
          },
        };
      return { resources: [...owned, ...unowned] };
    }
    case "ebs":
      return { resources: [`arn:${p}:ec2:${arnRegion(c)}::snapshot/*`] };
    case "autoscaling":
      // Recovery points a workload's group (tagged ir:workload) at the known-good launch template version
      // and replaces what it launched from the old one: an instance refresh on any other group would
      // let a stolen session cycle every instance of the account.
      if (action === "UpdateAutoScalingGroup" || action === "StartInstanceRefresh")
        return {
          resources: regional("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*"),
          condition: { Null: { [`aws:ResourceTag/${TAG.workload}`]: "false" } },
        };
      return { resources: regional("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*") };
    case "elasticloadbalancing":
      return {
        resources: [
          ...regional("elasticloadbalancing", "targetgroup/*/*"),
          ...regional("elasticloadbalancing", "loadbalancer/*"),
        ],
      };
    case "iam": {
      if (action === "PassRole")
        return {
          resources: c.passableRoleArns,
          condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        };
      // The forensic workstation role gets the Session Manager policy, and nothing else.
      if (action === "AttachRolePolicy")
        return {
          resources: [`arn:${p}:iam::${a}:role/${NAME_PREFIX}-*`],
          condition: {
            ArnEquals: { "iam:PolicyARN": `arn:${p}:iam::aws:policy/AmazonSSMManagedInstanceCore` },
          },
        };
      // A role it creates is bounded by the baseline's boundary (the SSM agent's calls only), and it has
      // no action that removes or replaces a boundary: no role it makes can be more than a managed node.
      if (action === "CreateRole")
        return {
          resources: [`arn:${p}:iam::${a}:role/${NAME_PREFIX}-*`],
          condition: { StringEquals: { "iam:PermissionsBoundary": roleBoundaryArn(p, a) } },
        };
      if (IAM_LIFECYCLE.test(action)) {
        const kind = /InstanceProfile$/.test(action) ? "instance-profile" : "role";
        return { resources: [`arn:${p}:iam::${a}:${kind}/${NAME_PREFIX}-*`] };
      }
      if (/InstanceProfile/.test(action) && action !== "ListInstanceProfilesForRole")
        return { resources: [`arn:${p}:iam::${a}:instance-profile/*`] };
      if (/AccessKey|User/.test(action)) return { resources: [`arn:${p}:iam::${a}:user/*`] };
      return { resources: [`arn:${p}:iam::${a}:role/*`] };
    }
    case "s3": {
      const buckets = [c.evidenceBucketArn, c.toolsBucketArn];
      // Bucket-level actions all have "Bucket" in their name (GetBucketObjectLockConfiguration...).
      const objectLevel = !/Bucket/.test(action) && /Object|MultipartUpload|Restore/.test(action);
      const archive = c.logArchiveBucketArn;
      if (archive && action === "ListBucket") return { resources: [...buckets, archive] };
      if (archive && action === "GetObject")
        return {
          resources: [
            ...buckets.map((b) => `${b}/*`),
            `${archive}/${FLOW_LOG_PREFIX}/AWSLogs/${a}/vpcflowlogs/*`,
          ],
        };
      return { resources: objectLevel ? buckets.map((b) => `${b}/*`) : buckets };
    }
    case "dynamodb":
      // UpdateItem changes only the per-instance items (`instance#<id>`: the lock and its lease); the
      // case's entries (`case#<id>`) are only ever put once, conditionally (automation/journal/dynamodb.ts).
      if (action === "UpdateItem")
        return {
          resources: [c.journalTableArn],
          // ForAllValues holds for a request without the key at all: Null says it must be there.
          condition: {
            "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["instance#*"] },
            Null: { "dynamodb:LeadingKeys": "false" },
          },
        };
      return { resources: [c.journalTableArn, `${c.journalTableArn}/index/*`] };
    case "kms":
      if (c.kmsKeyArns.length === 0)
        throw new Error(
          `responder action "${fullAction}" needs a kms key: pass kmsKeyArns to the responder access`,
        );
      // Reading SSE-KMS objects (evidence read back for hashing, flow logs): through S3 only. (EBS's
      // Decrypt through EC2, on any key of the account, is an extra scope: extraScopesFor.)
      if (action === "Decrypt")
        return {
          resources: [...c.kmsKeyArns, ...(c.logArchiveKmsKeyArns ?? [])],
          condition: { StringEquals: { "kms:ViaService": c.regions.map((r) => `s3.${r}.amazonaws.com`) } },
        };
      return kmsScope(action, c);
    case "ssm":
      // One document, AWS-RunShellScript (AWS's own: no account in its ARN), and only on instances that
      // carry a case id (a contained instance, a case's workstation): the instance is a second resource
      // of the call, allowed by its own statement (extraScopesFor).
      if (action === "SendCommand" || action === "StartSession")
        return {
          resources: [
            `arn:${p}:ssm:${arnRegion(c)}::document/${action === "SendCommand" ? SHELL_DOCUMENT : "SSM-SessionManagerRunShell"}`,
          ],
        };
      if (action === "CancelCommand") return { resources: "*" };
      // Writes: only the forensic AMI parameter (`ir bootstrap --forensic --forensic-ami`).
      // and only to create it: a parameter that exists is never rewritten (ssm:Overwrite), so a stolen
      // session cannot point investigators' workstations at an image of its choosing.
      if (action === "PutParameter")
        return {
          resources: regional("ssm", `parameter${SSM.forensicAmi}`),
          condition: { BoolIfExists: { "ssm:Overwrite": "false" } },
        };
      if (/Parameter/.test(action)) return { resources: regional("ssm", "parameter/ir/*") };
      if (/Document/.test(action))
        return {
          resources: [`arn:${p}:ssm:${arnRegion(c)}::document/*`, ...regional("ssm", "document/*")],
        };
      break;
    case "logs":
      return { resources: regional("logs", "log-group:*") };
    case "sns":
      // The project's topics only (the alert topic ir-alerts: approval requests, containment outcomes).
      return { resources: regional("sns", `${NAME_PREFIX}-*`) };
    case "events":
      return { resources: regional("events", "event-bus/*") };
    case "guardduty":
      return { resources: regional("guardduty", "detector/*") };
    case "securityhub":
      return { resources: regional("securityhub", "hub/default") };
    case "lambda":
      // The role writer only (components/role-writer.ts): the responder's one way to a role's policies.
      return { resources: regional("lambda", `function:${ROLE_WRITER_FUNCTION_NAME}`) };
    case "sts":
      // Only the responder role, in this or another account (findings from member accounts).
      if (action === "AssumeRole") return { resources: [`arn:${p}:iam::*:role/${RESPONDER_ROLE_NAME}`] };
      break;
    case "cloudtrail":
    case "config":
      if (isRead(action)) return { resources: "*" };
      break;
  }
  throw new Error(
    `responder action "${fullAction}" has no scoping rule: add it to components/responder-policy.ts ` +
      `(a resource scope, or the UNSCOPED list if AWS supports no resource-level permission for it)`,
  );
}

/**
 * Further statements an action needs beside its main scope: the same action allowed again on other
 * resources under another condition (IAM cannot say "this OR that" in one statement).
 */
export function extraScopesFor(fullAction: string, c: ResponderPolicyContext): Scope[] {
  const { partition: p, accountId: a } = c;
  const regional = (suffix: string) => [`arn:${p}:ec2:${arnRegion(c)}:${a}:${suffix}`];
  const caseTag = `aws:ResourceTag/${TAG.caseId}`;
  // Opening a case: the case id and status on an instance that has no case id yet; then only the status
  // (a set case id is never rewritten, so an instance cannot be moved into another case's guards).
  if (fullAction === "ec2:CreateTags")
    return [
      {
        resources: regional("instance/*"),
        condition: {
          Null: { [caseTag]: "true" },
          "ForAllValues:StringEquals": { "aws:TagKeys": [TAG.caseId, TAG.status] },
        },
      },
      {
        resources: regional("instance/*"),
        condition: {
          Null: { [caseTag]: "false" },
          "ForAllValues:StringEquals": { "aws:TagKeys": [TAG.status] },
        },
      },
    ];
  if (fullAction === "ssm:SendCommand" || fullAction === "ssm:StartSession")
    return [{ resources: regional("instance/*"), condition: { Null: { [caseTag]: "false" } } }];
  if (fullAction === "ec2:CreateSecurityGroup") return [{ resources: regional("vpc/*") }];
  // EBS decrypts a case snapshot's data key, under any key of the account, to copy it (kmsScope).
  if (fullAction === "kms:Decrypt" && c.kmsKeyArns.length > 0)
    return [{ resources: accountKeys(c), condition: viaEc2(c) }];
  // `ir recover --via asg` points a workload's group at a new launch template version; AWS then checks
  // that the caller may launch from it (ec2:RunInstances on every resource of that launch). Allowed only
  // from a workload's template (tagged ir:workload), and the other resources only when the launch comes
  // from one of this account's templates (ec2:LaunchTemplate is on all of them then): a plain
  // RunInstances without a template still needs the case tag (the forensic workstation's statement).
  // The existing resources a workstation launch or an evidence volume uses: no request tag on them.
  // A created network interface is allowed here too: it carries no tag of its own, and an interface
  // without an instance is harmless (the instance needs the case tag).
  const existing: Scope =
    fullAction === "ec2:RunInstances"
      ? {
          resources: [
            ...regional("subnet/*"),
            ...regional("security-group/*"),
            ...regional("network-interface/*"),
            `arn:${p}:ec2:${arnRegion(c)}::image/*`,
            `arn:${p}:ec2:${arnRegion(c)}::snapshot/*`,
          ],
        }
      : { resources: [`arn:${p}:ec2:${arnRegion(c)}::snapshot/*`] };
  if (fullAction === "ec2:CreateVolume") return [existing];
  // The forensic VPC `ir bootstrap --forensic` made (tagged ir:role), and what an endpoint attaches to.
  if (fullAction === "ec2:CreateSubnet" || fullAction === "ec2:CreateVpcEndpoint")
    return [
      { resources: regional("vpc/*"), condition: { Null: { [`aws:ResourceTag/${TAG.role}`]: "false" } } },
      ...(fullAction === "ec2:CreateVpcEndpoint"
        ? [{ resources: ["subnet/*", "security-group/*", "route-table/*"].flatMap((k) => regional(k)) }]
        : []),
    ];
  if (fullAction === "ec2:RunInstances")
    return [
      existing,
      {
        resources: regional("launch-template/*"),
        condition: { Null: { [`aws:ResourceTag/${TAG.workload}`]: "false" } },
      },
      {
        resources: [
          ...["instance", "volume", "network-interface", "subnet", "security-group", "key-pair"].flatMap(
            (kind) => regional(`${kind}/*`),
          ),
          `arn:${p}:ec2:${arnRegion(c)}::image/*`,
          ...[`arn:${p}:ec2:${arnRegion(c)}::snapshot/*`],
        ],
        condition: { ArnLike: { "ec2:LaunchTemplate": regional("launch-template/*") } },
      },
    ];
  return [];
}

/**
 * The policy document: one Allow statement per distinct scope (actions sorted), plus explicit denies
 * that stop the responder from editing its own role. Throws on a wildcard or unscoped action.
 */
export function responderPolicyDocument(
  actions: readonly string[],
  c: ResponderPolicyContext,
  options: { selfDeny?: boolean } = {},
) {
  const groups = new Map<string, { scope: Scope; actions: string[] }>();
  for (const action of [...new Set(actions)].sort()) {
    const service = action.split(":")[0]!;
    for (const scope of [scopeFor(action, c), ...extraScopesFor(action, c)]) {
      const condition = { ...(scope.condition ?? {}) };
      if (!GLOBAL_SERVICES.has(service))
        condition.StringEquals = { ...(condition.StringEquals ?? {}), "aws:RequestedRegion": c.regions };
      const key = JSON.stringify([scope.resources, condition]);
      const group = groups.get(key) ?? { scope: { ...scope, condition }, actions: [] };
      group.actions.push(action);
      groups.set(key, group);
    }
  }
  const statements: Record<string, unknown>[] = [...groups.values()].map((g, i) => ({
    Sid: `Responder${i + 1}`,
    Effect: "Allow",
    Action: g.actions,
    Resource: g.scope.resources,
    ...(Object.keys(g.scope.condition ?? {}).length > 0 ? { Condition: g.scope.condition } : {}),
  }));
  if (options.selfDeny !== false)
    statements.push({
      Sid: "DenySelfModification",
      Effect: "Deny",
      Action: [
        "iam:AttachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        // Its own tags too: ir-* roles may be tagged (the ones it creates), never this one.
        "iam:TagRole",
        "iam:UpdateAssumeRolePolicy",
      ],
      Resource: c.responderRoleArn,
    });
  // Lambda cannot bind an execution role's trust to one function (aws:SourceArn is not set when Lambda
  // assumes it), but it puts the function's ARN on every call the function's code makes: any other
  // function given this role (by whoever may pass it) can do nothing with it.
  // https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html
  if (options.selfDeny !== false && c.autoContainFunctionArn)
    statements.push({
      Sid: "DenyOtherFunctions",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: {
        Null: { "lambda:SourceFunctionArn": "false" },
        ArnNotEquals: { "lambda:SourceFunctionArn": c.autoContainFunctionArn },
      },
    });
  return { Version: "2012-10-17", Statement: statements };
}

/** IAM's size limit of one customer managed policy, in characters without white space. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * The responder's permissions as customer managed policies, one per group of services. One inline
 * policy cannot hold them: a role's inline policies share 10,240 characters, and the whole document
 * for three Regions is over 13,000 (IAM refuses it: LimitExceeded). A managed policy holds 6,144, a role
 * takes 10 (IAM quotas page); the groups are fixed so the baseline knows how many policies it declares.
 * The self-modification deny goes with the IAM actions.
 */
export const RESPONDER_POLICY_GROUPS: readonly {
  name: string;
  services: readonly string[];
  /** Only these actions of the services (a group before another of the same service takes them first). */
  actions?: RegExp;
  selfDeny: boolean;
}[] = [
  // EC2's calls on a case's own resources, each under a tag or profile condition (one statement each):
  // with the rest of EC2 they are over a managed policy's 6,144 characters.
  {
    name: `${NAME_PREFIX}-responder-ec2-case`,
    services: ["ec2"],
    actions:
      /^ec2:(CreateTags|TerminateInstances|StopInstances|RunInstances|CreateLaunchTemplateVersion|CreateVolume|AttachVolume|DeleteVolume|CreateSecurityGroup|(Authorize|Revoke)SecurityGroup(Ingress|Egress))$/,
    selfDeny: false,
  },
  { name: `${NAME_PREFIX}-responder-ec2`, services: ["ec2", "ebs"], selfDeny: false },
  {
    name: `${NAME_PREFIX}-responder-workload`,
    services: [
      "autoscaling",
      "elasticloadbalancing",
      "iam",
      "sts",
      "sns",
      "events",
      "lambda",
      "guardduty",
      "securityhub",
      "logs",
    ],
    selfDeny: true,
  },
  {
    name: `${NAME_PREFIX}-responder-evidence`,
    services: ["s3", "dynamodb", "kms"],
    selfDeny: false,
  },
  // Run Command and the analysis reads: apart, because the evidence group grows with every key the
  // baseline owns (an EBS key per Region, the log archive's): three Regions were over 6,144 with them.
  {
    name: `${NAME_PREFIX}-responder-commands`,
    services: ["ssm", "cloudtrail", "config"],
    selfDeny: false,
  },
];

/** The size IAM counts: the JSON without white space. */
export const policySize = (doc: unknown) => JSON.stringify(doc).replace(/\s/g, "").length;

/** The policy group an action goes in: the first whose services (and actions, if it names them) match. */
export const policyGroupOf = (action: string) =>
  RESPONDER_POLICY_GROUPS.find(
    (g) => g.services.includes(action.split(":")[0]!) && (!g.actions || g.actions.test(action)),
  );

/** One document per group (groups without actions are left out); throws when one is over IAM's limit. */
export function responderPolicyDocuments(actions: readonly string[], c: ResponderPolicyContext) {
  const unplaced = actions.filter((a) => !policyGroupOf(a));
  if (unplaced.length > 0)
    throw new Error(
      `responder actions ${unplaced.join(", ")} belong to no policy group: add their service to RESPONDER_POLICY_GROUPS (components/responder-policy.ts)`,
    );
  return RESPONDER_POLICY_GROUPS.flatMap((g) => {
    const mine = actions.filter((a) => policyGroupOf(a) === g);
    if (mine.length === 0) return [];
    const document = responderPolicyDocument(mine, c, { selfDeny: g.selfDeny });
    const size = policySize(document);
    if (size > MANAGED_POLICY_MAX_CHARS)
      throw new Error(
        `responder policy ${g.name} is ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARS} for a managed policy: move a service to another group in RESPONDER_POLICY_GROUPS`,
      );
    return [{ name: g.name, document }];
  });
}

/** Every action a generated document allows, once each (an action may have several statements). */
export const allowedActions = (doc: { Statement: { Effect?: unknown; Action?: unknown }[] }) => [
  ...new Set(
    doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).map(String),
    ),
  ),
];

/**
 * Which human principals must present MFA when they assume the responder role:
 * - `required`: all of them (`aws:MultiFactorAuthPresent`);
 * - `iam-users`: IAM users only. A role session from IAM Identity Center or a SAML/OIDC provider never
 *   carries the MFA flag (the provider did the MFA, STS does not see it), so requiring it of such roles
 *   locks them out; their MFA is the provider's to enforce;
 * - `off`: none (MFA enforced elsewhere, for example an SCP on the principals' own account).
 */
export type ResponderMfa = "required" | "iam-users" | "off";
export const RESPONDER_MFA_MODES: readonly ResponderMfa[] = ["required", "iam-users", "off"];

/** IAM Identity Center's roles live under this path: their sessions never carry the MFA flag. */
const IDENTITY_CENTER_ROLE = /:role\/aws-reserved\/sso\.amazonaws\.com\//;

/** Throws when a principal could never satisfy the MFA mode (an Identity Center role under `required`). */
export function checkResponderMfa(humans: readonly string[], mfa: ResponderMfa): void {
  if (!RESPONDER_MFA_MODES.includes(mfa))
    throw new Error(
      `responder MFA mode "${mfa}" is not allowed: expected one of ${RESPONDER_MFA_MODES.join(", ")}`,
    );
  const sso = mfa === "required" ? humans.filter((h) => IDENTITY_CENTER_ROLE.test(h)) : [];
  if (sso.length > 0)
    throw new Error(
      `responder principal ${sso.join(", ")} is an IAM Identity Center role, whose sessions never carry aws:MultiFactorAuthPresent: with responderMfa "required" it could never assume the responder role; set responderMfa to "iam-users" (Identity Center enforces the MFA) or remove the principal`,
    );
}

/** Trust policy of the responder role. Throws when nobody at all could assume it. */
export function responderTrustPolicy(i: {
  humans: string[];
  mfa: ResponderMfa;
  automation: string[];
  /**
   * The auto-containment function, when auto-containment is on: Lambda (of this account only) may then
   * run it as this role; the function's own ARN binds the role's use in its identity policy
   * (responderPolicyDocument: DenyOtherFunctions). @default none: no Lambda function may use the role
   */
  autoContainFunctionArn?: string;
  accountId: string;
}) {
  checkResponderMfa(i.humans, i.mfa);
  const statements: Record<string, unknown>[] = [];
  const mfaCondition = { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } };
  const users = i.humans.filter((h) => /:user\//.test(h));
  const others = i.humans.filter((h) => !/:user\//.test(h));
  const human = (sid: string, principals: string[], mfa: boolean) => {
    if (principals.length > 0)
      statements.push({
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
        ...(mfa ? mfaCondition : {}),
      });
  };
  if (i.mfa === "iam-users") {
    human("Responders", users, true);
    human("FederatedResponders", others, false);
  } else human("Responders", i.humans, i.mfa === "required");
  if (i.automation.length > 0)
    statements.push({
      Sid: "Automation",
      Effect: "Allow",
      Principal: { AWS: i.automation },
      Action: ["sts:AssumeRole", "sts:TagSession"],
    });
  if (i.autoContainFunctionArn)
    statements.push({
      Sid: "AutoContainmentFunction",
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": i.accountId } },
    });
  // Nobody configured: the account itself, as IAM's console does for "this account": only principals
  // whose own policies allow sts:AssumeRole on the role (the account's administrators), with MFA as
  // configured. A trust policy must name someone.
  if (statements.length === 0)
    statements.push({
      Sid: "AccountAdministrators",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${i.accountId}:root` },
      Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
      ...(i.mfa === "off" ? {} : mfaCondition),
    });
  return { Version: "2012-10-17", Statement: statements };
}
