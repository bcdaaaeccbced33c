/**
 * What the strict layer's authorisation cannot decide as AWS would, and why. docs/strict-aws.md lists
 * it; a policy that leans on one of these is evaluated, but not faithfully.
 */
export const UNDECIDABLE: readonly { what: string; why: string }[] = [
  {
    what: "aws:SourceVpc, aws:SourceVpce, aws:VpcSourceIp, aws:EC2InstanceSourceVPC, VPC endpoint policies",
    why: "the emulator has no VPC endpoints and no network path: these keys are never in the context, so a condition on them sees them absent",
  },
  {
    what: "aws:SourceIp",
    why: "always 127.0.0.1 (the layer listens on loopback); a real caller's public or VPC address differs",
  },
  {
    what: "aws:SecureTransport",
    why: 'always "true": real SDK clients use TLS; the layer itself speaks plain http on loopback',
  },
  {
    what: "service-linked roles and AWS service principals acting on their own (EBS using a KMS grant, Auto Scaling launching with its service-linked role, S3 replication, CloudTrail writing to its bucket)",
    why: "only requests that reach the layer are evaluated: what a service does inside AWS on a caller's behalf never does (except kms:GenerateDataKey/Decrypt for SSE-KMS through S3, which the layer asks for the caller)",
  },
  {
    what: "KMS grants",
    why: "moto keeps grants but the layer does not read them: a permission that only a grant gives is refused",
  },
  {
    what: "SCPs and RCPs (AWS Organizations)",
    why: "none is configured in the emulated accounts; iam-simulate would evaluate them if given",
  },
  {
    what: "session policies (AssumeRole Policy / PolicyArns) and session tags as aws:PrincipalTag",
    why: "the layer learns sessions from AssumeRole answers without their session policy or tags: such a session is evaluated with its role's full permissions",
  },
  {
    what: "aws:PrincipalTag, aws:PrincipalOrgID, aws:MultiFactorAuthPresent, aws:ViaAWSService, aws:CalledVia",
    why: "not put in the context (role tags are not read for the principal; no Organizations; no MFA; the layer sees only direct calls)",
  },
  {
    what: "resources a call touches but does not name (the instance and subnet of an ENI in ModifyNetworkInterfaceAttribute, SendCommand with Targets instead of InstanceIds, the ENIs of RunInstances given by id)",
    why: "only resources named in the request (or looked up where cheap: CreateSnapshots' volumes, a profile's role, a launch template's data) are authorised",
  },
  {
    what: "SSE-KMS reads of objects written with a key other than the bucket's default",
    why: "kms:Decrypt is asked on the bucket's default key (read once per bucket), not on each object's own key",
  },
  {
    what: "paths in IAM ARNs (role/path/name)",
    why: "role, profile and user ARNs are built from their names without the path: a policy naming the path does not match",
  },
  {
    what: "resource tags of S3 objects and buckets, DynamoDB tables, SSM documents and parameters, KMS keys, SNS topics",
    why: "only EC2, Auto Scaling and IAM role tags are read for aws:ResourceTag: a condition on another service's tags sees none",
  },
  {
    what: "condition keys iam-simulate drops as not applicable to the action (SimulationResourceResult.ignoredContextKeys)",
    why: "iam-simulate filters a key the service reference does not list for the action/resource before evaluation; a policy testing it then sees it absent",
  },
  {
    what: "anonymous (unsigned) requests",
    why: "not evaluated: only role sessions the layer issued and, where a resource policy exists, administrators are",
  },
  {
    what: "policy changes made straight to moto (not through the layer)",
    why: "policies, tags and decisions are cached and forgotten only when a write passes through the layer (or moto is reset)",
  },
];
