/**
 * EC2: the resources each call is authorised on, from its parameters
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
 * Describe* calls support no resource-level permission ("*"). A DryRun call is authorised exactly as
 * the real one: denied → UnauthorizedOperation, allowed → moto answers DryRunOperation.
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, each, listOf, requestTagContext } from "./common";
import { arnOfId, created, ec2Arn } from "./ec2-arns";
import { runInstances } from "./ec2-launch";
import {
  allocationOfAssociation,
  instanceOfAssociation,
  launchTemplateId,
  passProfileRole,
  volumesOf,
} from "./ec2-lookups";

type Build = (req: StrictRequest, ctx: RuleContext) => Promise<Authorization[]> | Authorization[];

const ids = (req: StrictRequest, type: string, name: string) =>
  listOf(req.params, name).map((id) => ec2Arn(req, type, id));
const one = (req: StrictRequest, type: string, name: string) =>
  req.params[name] ? [ec2Arn(req, type, req.params[name]!)] : [];
const own = (req: StrictRequest, resources: string[]) => each(`ec2:${req.operation}`, resources);

const onInstances: Build = (req) => own(req, ids(req, "instance", "InstanceId"));
const onGroup: Build = (req) => own(req, one(req, "security-group", "GroupId"));

const OPERATIONS: Record<string, Build> = {
  TerminateInstances: onInstances,
  StopInstances: onInstances,
  StartInstances: onInstances,
  RebootInstances: onInstances,
  GetConsoleOutput: (req) => own(req, one(req, "instance", "InstanceId")),
  ModifyInstanceAttribute: (req) =>
    own(req, [...one(req, "instance", "InstanceId"), ...ids(req, "security-group", "GroupId")]),
  ModifyNetworkInterfaceAttribute: (req) =>
    own(req, [
      ...one(req, "network-interface", "NetworkInterfaceId"),
      ...ids(req, "security-group", "SecurityGroupId"),
    ]),
  AuthorizeSecurityGroupEgress: onGroup,
  AuthorizeSecurityGroupIngress: onGroup,
  RevokeSecurityGroupEgress: onGroup,
  RevokeSecurityGroupIngress: onGroup,
  DeleteSecurityGroup: onGroup,
  AttachVolume: (req) => own(req, [...one(req, "instance", "InstanceId"), ...one(req, "volume", "VolumeId")]),
  DetachVolume: (req) => own(req, [...one(req, "volume", "VolumeId"), ...one(req, "instance", "InstanceId")]),
  DeleteVolume: (req) => own(req, one(req, "volume", "VolumeId")),
  DeleteSnapshot: (req) => own(req, one(req, "snapshot", "SnapshotId")),
  ModifyVpcAttribute: (req) => own(req, one(req, "vpc", "VpcId")),
  async CreateSnapshots(req, ctx) {
    const instance = req.params["InstanceSpecification.InstanceId"] ?? "";
    const excluded = new Set(listOf(req.params, "InstanceSpecification.ExcludeDataVolumeId"));
    const volumes = (await volumesOf(ctx, req, instance)).filter((v) => !excluded.has(v));
    return [
      ...own(req, [ec2Arn(req, "instance", instance), ...volumes.map((v) => ec2Arn(req, "volume", v))]),
      ...created(req, "snapshot"),
    ];
  },
  CreateSnapshot: (req) => [...own(req, one(req, "volume", "VolumeId")), ...created(req, "snapshot")],
  CreateVolume: (req) => [...created(req, "volume"), ...own(req, one(req, "snapshot", "SnapshotId"))],
  // The source snapshot is authorised in its own Region (SourceRegion), the copy as created here.
  CopySnapshot: (req) => [
    ...created(req, "snapshot"),
    ...own(req, [
      `arn:aws:ec2:${req.params.SourceRegion || req.region}::snapshot/${req.params.SourceSnapshotId ?? ""}`,
    ]),
  ],
  CreateSecurityGroup: (req) => [...created(req, "security-group"), ...own(req, one(req, "vpc", "VpcId"))],
  CreateVpc: (req) => created(req, "vpc"),
  CreateSubnet: (req) => [...created(req, "subnet"), ...own(req, one(req, "vpc", "VpcId"))],
  CreateVpcEndpoint: (req) => [
    ...created(req, "vpc-endpoint"),
    ...own(req, [
      ...one(req, "vpc", "VpcId"),
      ...ids(req, "subnet", "SubnetId"),
      ...ids(req, "security-group", "SecurityGroupId"),
      ...ids(req, "route-table", "RouteTableId"),
    ]),
  ],
  CreateLaunchTemplate: (req) => created(req, "launch-template"),
  async CreateLaunchTemplateVersion(req, ctx) {
    const id = await launchTemplateId(ctx, req, {
      id: req.params.LaunchTemplateId,
      name: req.params.LaunchTemplateName,
    });
    return own(req, [ec2Arn(req, "launch-template", id ?? "*")]);
  },
  CreateFlowLogs: (req) => [
    ...created(req, "vpc-flow-log"),
    ...own(
      req,
      listOf(req.params, "ResourceId").flatMap((id) => arnOfId(req, id) ?? []),
    ),
  ],
  CreateTags: tagWrite,
  DeleteTags: tagWrite,
  AssociateAddress: (req) =>
    own(req, [
      ...one(req, "elastic-ip", "AllocationId"),
      ...one(req, "instance", "InstanceId"),
      ...one(req, "network-interface", "NetworkInterfaceId"),
    ]),
  async DisassociateAddress(req, ctx) {
    const alloc = req.params.AssociationId
      ? await allocationOfAssociation(ctx, req, req.params.AssociationId)
      : undefined;
    return own(req, [ec2Arn(req, "elastic-ip", alloc ?? "*")]);
  },
  async AssociateIamInstanceProfile(req, ctx) {
    return [
      ...own(req, one(req, "instance", "InstanceId")),
      ...(await passProfileRole(ctx, req, {
        arn: req.params["IamInstanceProfile.Arn"],
        name: req.params["IamInstanceProfile.Name"],
      })),
    ];
  },
  async ReplaceIamInstanceProfileAssociation(req, ctx) {
    const instance = await instanceOfAssociation(ctx, req, req.params.AssociationId ?? "");
    return [
      ...own(req, [ec2Arn(req, "instance", instance ?? "*")]),
      ...(await passProfileRole(ctx, req, {
        arn: req.params["IamInstanceProfile.Arn"],
        name: req.params["IamInstanceProfile.Name"],
      })),
    ];
  },
  async DisassociateIamInstanceProfile(req, ctx) {
    const instance = await instanceOfAssociation(ctx, req, req.params.AssociationId ?? "");
    return own(req, [ec2Arn(req, "instance", instance ?? "*")]);
  },
  RunInstances: runInstances,
};

/** CreateTags/DeleteTags: each resource named, with the tags written (request tags). */
function tagWrite(req: StrictRequest): Authorization[] {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) {
    const m = /^Tag\.(\d+)\.Key$/.exec(k);
    if (m) tags[v] = req.params[`Tag.${m[1]}.Value`] ?? "";
  }
  const resources = listOf(req.params, "ResourceId").map(
    (id) => arnOfId(req, id) ?? `arn:aws:ec2:${req.region}:${req.accountId}:*/${id}`,
  );
  return each(`ec2:${req.operation}`, resources, requestTagContext(tags));
}

export async function ec2Authorizations(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const op = req.operation;
  // No EC2 Describe* action supports resource-level permissions.
  if (op.startsWith("Describe")) return own(req, ["*"]);
  const build = OPERATIONS[op];
  return build ? build(req, ctx) : undefined;
}
