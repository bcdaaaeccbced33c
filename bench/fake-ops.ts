/**
 * The operations the fake AWS answers ("service:Action"), each reading and changing `FakeWorld`, in the
 * element names moto and AWS use (checked against moto's answers to the same calls).
 */
import type { Answer, FakeInstance, FakeWorld } from "./fake-world";
import { filtersOf, items, listOf, members, t, x } from "./fake-xml";

type Op = (w: FakeWorld, q: URLSearchParams) => Answer;

const LAUNCHED = "2026-01-01T00:00:00.000Z";

function notFound(w: FakeWorld, ids: string[]): Answer | undefined {
  const bad = ids.filter((id) => !w.instance(id));
  return bad.length
    ? w.error(
        "ec2",
        "",
        400,
        "InvalidInstanceID.NotFound",
        `The instance IDs '${bad.join(", ")}' do not exist`,
      )
    : undefined;
}

const groupSet = (w: FakeWorld, ids: string[]) =>
  items("groupSet", ids, (g) => t("groupId", g) + t("groupName", g === w.webGroup ? "web" : g));

function eniXml(w: FakeWorld, i: FakeInstance): string {
  return (
    t("networkInterfaceId", i.eni) +
    x("attachment", t("deviceIndex", 0) + t("instanceId", i.id) + t("status", "attached")) +
    groupSet(w, i.groups) +
    items("privateIpAddressesSet", [i.ip], (ip) => t("privateIpAddress", ip) + t("primary", true)) +
    "<ipv6AddressesSet/>" +
    t("privateIpAddress", i.ip) +
    t("subnetId", w.subnetId) +
    t("vpcId", w.vpcId) +
    t("status", "in-use") +
    x("connectionTrackingConfiguration", t("tcpEstablishedTimeout", i.tcpEstablished))
  );
}

function instanceXml(w: FakeWorld, i: FakeInstance): string {
  return (
    t("instanceId", i.id) +
    t("imageId", "ami-0000000000000bee1") +
    x("instanceState", t("code", 16) + t("name", "running")) +
    t("instanceType", "t3.micro") +
    x("placement", t("availabilityZone", "us-east-1a")) +
    t("subnetId", w.subnetId) +
    t("vpcId", w.vpcId) +
    t("launchTime", LAUNCHED) +
    items(
      "blockDeviceMapping",
      [i],
      (v) =>
        t("deviceName", "/dev/xvda") +
        x("ebs", t("volumeId", v.volume) + t("deleteOnTermination", v.attributes.deleteOnTermination)),
    ) +
    x("iamInstanceProfile", t("arn", i.profileArn) + t("id", "AIPAFAKE")) +
    items("networkInterfaceSet", [i], (v) => eniXml(w, v)) +
    groupSet(w, i.groups) +
    items("tagSet", [...i.tags], ([k, v]) => t("key", k) + t("value", v))
  );
}

const assocXml = (i: FakeInstance) =>
  t("associationId", i.associationId) +
  t("instanceId", i.id) +
  x("iamInstanceProfile", t("arn", i.profileArn) + t("id", "AIPAFAKE")) +
  t("state", "associated");

/** The S3 AWS-managed prefix list of the fake Region. */
const S3_PREFIX_LIST = "pl-63a5400a";

function groupXml(w: FakeWorld, id: string): string {
  const all = x(
    "item",
    t("ipProtocol", "-1") +
      items("ipRanges", ["0.0.0.0/0"], (c) => t("cidrIp", c)) +
      items("ipv6Ranges", ["::/0"], (c) => t("cidrIpv6", c)),
  );
  // Forensic egress as the baseline makes it: HTTPS to the Region's S3 prefix list only.
  const https = x(
    "item",
    t("ipProtocol", "tcp") +
      t("fromPort", 443) +
      t("toPort", 443) +
      items("prefixListIds", [S3_PREFIX_LIST], (id) => t("prefixListId", id)),
  );
  const rules =
    id === w.untrackGroup
      ? { in: all, out: all }
      : id === w.forensicGroup
        ? { in: "", out: https }
        : id === w.isolationGroup
          ? { in: "", out: "" }
          : { in: all, out: all };
  return (
    t("groupId", id) +
    t("groupName", id) +
    t("vpcId", w.vpcId) +
    t("ownerId", w.account) +
    x("ipPermissions", rules.in) +
    x("ipPermissionsEgress", rules.out)
  );
}

function snapshotXml(s: FakeWorld["snapshots"][number]): string {
  return (
    t("snapshotId", s.id) +
    t("volumeId", s.volumeId) +
    t("status", "completed") +
    t("startTime", new Date().toISOString()) +
    t("progress", "100%") +
    items("tagSet", [...s.tags], ([k, v]) => t("key", k) + t("value", v))
  );
}

function tagsOf(q: URLSearchParams, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let n = 1; q.has(`${prefix}.${n}.Key`); n++)
    out.set(q.get(`${prefix}.${n}.Key`)!, q.get(`${prefix}.${n}.Value`) ?? "");
  return out;
}

const EC2: Record<string, Op> = {
  DescribeInstances(w, q) {
    const ids = listOf(q, "InstanceId");
    const bad = notFound(w, ids);
    if (bad) return bad;
    return w.ec2Answer(
      "DescribeInstances",
      items(
        "reservationSet",
        ids,
        (id) =>
          t("reservationId", `r-${id.slice(2)}`) +
          t("ownerId", w.account) +
          items("instancesSet", [w.instance(id)!], (i) => instanceXml(w, i)),
      ),
    );
  },
  DescribeIamInstanceProfileAssociations(w, q) {
    const ids = filtersOf(q).get("instance-id") ?? [];
    const found = ids.map((id) => w.instance(id)).filter((i): i is FakeInstance => Boolean(i));
    return w.ec2Answer(
      "DescribeIamInstanceProfileAssociations",
      items("iamInstanceProfileAssociationSet", found, assocXml),
    );
  },
  DescribeAddresses: (w) => w.ec2Answer("DescribeAddresses", "<addressesSet/>"),
  CreateSnapshots(w, q) {
    const i = w.instance(q.get("InstanceSpecification.InstanceId") ?? "");
    if (!i) return notFound(w, [q.get("InstanceSpecification.InstanceId") ?? ""])!;
    const snap = {
      id: `snap-${(w.snapshots.length + 1).toString(16).padStart(17, "0")}`,
      volumeId: i.volume,
      tags: tagsOf(q, "TagSpecification.1.Tag"),
    };
    w.snapshots.push(snap);
    return w.ec2Answer("CreateSnapshots", items("snapshotSet", [snap], snapshotXml));
  },
  DescribeSnapshots(w, q) {
    const f = filtersOf(q);
    const found = w.snapshots.filter((s) =>
      [...f].every(
        ([name, values]) => !name.startsWith("tag:") || values.includes(s.tags.get(name.slice(4)) ?? ""),
      ),
    );
    return w.ec2Answer("DescribeSnapshots", items("snapshotSet", found, snapshotXml));
  },
  DescribeSecurityGroups(w, q) {
    const ids = listOf(q, "GroupId");
    const all = [w.untrackGroup, w.isolationGroup, w.forensicGroup, w.webGroup];
    const found = ids.length ? all.filter((g) => ids.includes(g)) : all;
    return w.ec2Answer(
      "DescribeSecurityGroups",
      items("securityGroupInfo", found, (g) => groupXml(w, g)),
    );
  },
  ModifyNetworkInterfaceAttribute(w, q) {
    const i = w.instances.find((v) => v.eni === q.get("NetworkInterfaceId"));
    if (!i)
      return w.error(
        "ec2",
        "",
        400,
        "InvalidNetworkInterfaceID.NotFound",
        `${q.get("NetworkInterfaceId")} does not exist`,
      );
    const groups = listOf(q, "SecurityGroupId");
    if (groups.length) i.groups = groups;
    const tcp = q.get("ConnectionTrackingSpecification.TcpEstablishedTimeout");
    if (tcp) i.tcpEstablished = Number(tcp);
    return w.ec2Answer("ModifyNetworkInterfaceAttribute", t("return", true));
  },
  DescribeNetworkInterfaces(w, q) {
    const ids = listOf(q, "NetworkInterfaceId");
    const found = w.instances.filter((i) => ids.includes(i.eni));
    return w.ec2Answer(
      "DescribeNetworkInterfaces",
      items("networkInterfaceSet", found, (i) => eniXml(w, i)),
    );
  },
  DescribeManagedPrefixLists: (w) =>
    w.ec2Answer(
      "DescribeManagedPrefixLists",
      items(
        "prefixListSet",
        [S3_PREFIX_LIST],
        (id) =>
          t("prefixListId", id) +
          t("prefixListName", `com.amazonaws.${w.region}.s3`) +
          t("ownerId", "AWS") +
          t("addressFamily", "IPv4") +
          t("state", "create-complete"),
      ),
    ),
  // The fake VPC has no interface endpoint: the record says SSM cannot be reached after isolation.
  DescribeVpcEndpoints: (w) => w.ec2Answer("DescribeVpcEndpoints", "<vpcEndpointSet/>"),
  ModifyInstanceAttribute(w, q) {
    const i = w.instance(q.get("InstanceId") ?? "");
    if (!i) return notFound(w, [q.get("InstanceId") ?? ""])!;
    if (q.get("DisableApiTermination.Value"))
      i.attributes.disableApiTermination = q.get("DisableApiTermination.Value") === "true";
    if (q.get("DisableApiStop.Value")) i.attributes.disableApiStop = q.get("DisableApiStop.Value") === "true";
    if (q.get("Attribute") === "instanceInitiatedShutdownBehavior")
      i.attributes.shutdown = q.get("Value") ?? "";
    if (q.get("BlockDeviceMapping.1.Ebs.DeleteOnTermination"))
      i.attributes.deleteOnTermination = q.get("BlockDeviceMapping.1.Ebs.DeleteOnTermination") === "true";
    return w.ec2Answer("ModifyInstanceAttribute", t("return", true));
  },
  DescribeInstanceAttribute(w, q) {
    const i = w.instance(q.get("InstanceId") ?? "");
    if (!i) return notFound(w, [q.get("InstanceId") ?? ""])!;
    const a = q.get("Attribute");
    const inner =
      a === "disableApiTermination"
        ? x("disableApiTermination", t("value", i.attributes.disableApiTermination))
        : a === "disableApiStop"
          ? x("disableApiStop", t("value", i.attributes.disableApiStop ?? false))
          : a === "instanceInitiatedShutdownBehavior"
            ? x("instanceInitiatedShutdownBehavior", t("value", i.attributes.shutdown))
            : items(
                "blockDeviceMapping",
                [i],
                (v) =>
                  t("deviceName", "/dev/xvda") +
                  x(
                    "ebs",
                    t("volumeId", v.volume) + t("deleteOnTermination", v.attributes.deleteOnTermination),
                  ),
              );
    return w.ec2Answer("DescribeInstanceAttribute", t("instanceId", i.id) + inner);
  },
  ReplaceIamInstanceProfileAssociation(w, q) {
    const i = w.instances.find((v) => v.associationId === q.get("AssociationId"));
    if (!i)
      return w.error(
        "ec2",
        "",
        400,
        "InvalidAssociationID.NotFound",
        `${q.get("AssociationId")} does not exist`,
      );
    i.profileArn = w.profileArn(q.get("IamInstanceProfile.Name") ?? "");
    return w.ec2Answer(
      "ReplaceIamInstanceProfileAssociation",
      x("iamInstanceProfileAssociation", assocXml(i)),
    );
  },
  CreateTags(w, q) {
    const tags = tagsOf(q, "Tag");
    for (const id of listOf(q, "ResourceId")) for (const [k, v] of tags) w.instance(id)?.tags.set(k, v);
    return w.ec2Answer("CreateTags", t("return", true));
  },
  DescribeTags(w, q) {
    const f = filtersOf(q);
    const ids = f.get("resource-id") ?? [];
    const keys = f.get("key");
    const out = ids.flatMap((id) =>
      [...(w.instance(id)?.tags ?? [])]
        .filter(([k]) => !keys || keys.includes(k))
        .map(([k, v]) => ({ id, k, v })),
    );
    return w.ec2Answer(
      "DescribeTags",
      items(
        "tagSet",
        out,
        (e) => t("resourceId", e.id) + t("resourceType", "instance") + t("key", e.k) + t("value", e.v),
      ),
    );
  },
  GetConsoleOutput: (w, q) =>
    w.ec2Answer(
      "GetConsoleOutput",
      t("instanceId", q.get("InstanceId") ?? "") +
        t("timestamp", LAUNCHED) +
        t("output", Buffer.from("boot log\n").toString("base64")),
    ),
};

const asgMember = (w: FakeWorld, i: FakeInstance) =>
  t("InstanceId", i.id) +
  t("AutoScalingGroupName", w.asgName) +
  t("AvailabilityZone", "us-east-1a") +
  t("LifecycleState", "InService") +
  t("HealthStatus", "Healthy") +
  t("ProtectedFromScaleIn", i.protectedFromScaleIn);

const QUERY: Record<string, Op> = {
  DescribeAutoScalingInstances(w, q) {
    const found = listOf(q, "InstanceIds.member")
      .map((id) => w.instance(id))
      .filter((i): i is FakeInstance => Boolean(i?.inAsg));
    return w.queryAnswer(
      "DescribeAutoScalingInstances",
      members("AutoScalingInstances", found, (i) => asgMember(w, i)),
    );
  },
  SetInstanceProtection(w, q) {
    for (const id of listOf(q, "InstanceIds.member")) {
      const i = w.instance(id);
      if (i?.inAsg) i.protectedFromScaleIn = q.get("ProtectedFromScaleIn") === "true";
    }
    return w.queryAnswer("SetInstanceProtection", "");
  },
  DetachInstances(w, q) {
    const ids = listOf(q, "InstanceIds.member");
    for (const id of ids) {
      const i = w.instance(id);
      if (i) {
        i.inAsg = false;
        i.tags.delete("aws:autoscaling:groupName");
      }
    }
    return w.queryAnswer(
      "DetachInstances",
      members(
        "Activities",
        ids,
        (id) =>
          t("ActivityId", `detach-${id}`) +
          t("AutoScalingGroupName", w.asgName) +
          t("StatusCode", "InProgress"),
      ),
    );
  },
  DescribeTargetGroups: (w) =>
    w.queryAnswer(
      "DescribeTargetGroups",
      members(
        "TargetGroups",
        [w.targetGroupArn],
        (arn) =>
          t("TargetGroupArn", arn) +
          t("TargetGroupName", "bench-tg") +
          t("Protocol", "HTTP") +
          t("Port", 80) +
          t("VpcId", w.vpcId) +
          t("TargetType", "instance"),
      ),
    ),
  DescribeTargetHealth: (w) =>
    w.queryAnswer(
      "DescribeTargetHealth",
      members(
        "TargetHealthDescriptions",
        [...w.registered],
        (id) => x("Target", t("Id", id) + t("Port", 80)) + x("TargetHealth", t("State", "healthy")),
      ),
    ),
  DeregisterTargets(w, q) {
    for (let n = 1; q.has(`Targets.member.${n}.Id`); n++)
      w.registered.delete(q.get(`Targets.member.${n}.Id`)!);
    return w.queryAnswer("DeregisterTargets", "");
  },
  DescribeLoadBalancers: (w) => w.queryAnswer("DescribeLoadBalancers", "<LoadBalancerDescriptions/>"),
  GetInstanceProfile(w, q) {
    const name = q.get("InstanceProfileName") ?? "";
    const role = name === w.denyAllProfile ? w.denyAllProfile : w.roleName;
    return w.queryAnswer(
      "GetInstanceProfile",
      x(
        "InstanceProfile",
        t("InstanceProfileName", name) +
          t("Arn", w.profileArn(name)) +
          members("Roles", [role], (r) => t("RoleName", r) + t("Arn", `arn:aws:iam::${w.account}:role/${r}`)),
      ),
    );
  },
  PutRolePolicy(w, q) {
    w.policies.set(`${q.get("RoleName")}/${q.get("PolicyName")}`, q.get("PolicyDocument") ?? "");
    return w.queryAnswer("PutRolePolicy", "");
  },
  DeleteRolePolicy(w, q) {
    const key = `${q.get("RoleName")}/${q.get("PolicyName")}`;
    if (!w.policies.delete(key))
      return w.error("query", "", 404, "NoSuchEntity", `policy ${q.get("PolicyName")} was not found`);
    return w.queryAnswer("DeleteRolePolicy", "");
  },
  GetRolePolicy(w, q) {
    const role = q.get("RoleName") ?? "";
    const name = q.get("PolicyName") ?? "";
    const doc =
      role === w.denyAllProfile
        ? JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
          })
        : w.policies.get(`${role}/${name}`);
    if (doc === undefined)
      return w.error("query", "", 404, "NoSuchEntity", `policy ${name} of role ${role} was not found`);
    return w.queryAnswer(
      "GetRolePolicy",
      t("RoleName", role) + t("PolicyName", name) + t("PolicyDocument", encodeURIComponent(doc)),
    );
  },
  ListRolePolicies(w, q) {
    const role = q.get("RoleName") ?? "";
    const names = [...w.policies.keys()]
      .filter((k) => k.startsWith(`${role}/`))
      .map((k) => k.slice(role.length + 1));
    return w.queryAnswer(
      "ListRolePolicies",
      members("PolicyNames", names, (n) => n.replace(/&/g, "&amp;")) + t("IsTruncated", false),
    );
  },
  ListAttachedRolePolicies: (w) =>
    w.queryAnswer("ListAttachedRolePolicies", `<AttachedPolicies/>${t("IsTruncated", false)}`),
  GetCallerIdentity: (w) =>
    w.queryAnswer(
      "GetCallerIdentity",
      t("Account", w.account) +
        t("Arn", `arn:aws:sts::${w.account}:assumed-role/responder/bench`) +
        t("UserId", "AROAFAKE:bench"),
    ),
};

const SERVICE_OF: Record<string, string> = {
  DescribeAutoScalingInstances: "autoscaling",
  SetInstanceProtection: "autoscaling",
  DetachInstances: "autoscaling",
  DescribeTargetGroups: "elbv2",
  DescribeTargetHealth: "elbv2",
  DeregisterTargets: "elbv2",
  DescribeLoadBalancers: "elb",
  GetInstanceProfile: "iam",
  PutRolePolicy: "iam",
  GetRolePolicy: "iam",
  DeleteRolePolicy: "iam",
  ListRolePolicies: "iam",
  ListAttachedRolePolicies: "iam",
  GetCallerIdentity: "sts",
};

/** Every modelled operation, keyed "service:Action". */
export const OPS: Record<string, Op> = {
  ...Object.fromEntries(Object.entries(EC2).map(([a, op]) => [`ec2:${a}`, op])),
  ...Object.fromEntries(Object.entries(QUERY).map(([a, op]) => [`${SERVICE_OF[a]}:${a}`, op])),
};
