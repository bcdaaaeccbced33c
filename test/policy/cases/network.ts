import { type Case, one, res, spec } from "../harness";
import { T } from "./types";

const world = { cidrBlocks: ["0.0.0.0/0"] };
const sg = (ingress: Record<string, unknown>[]) => ({ vpcId: "vpc-1", ingress });

export const sgAdmin = spec({
  policy: "sg-admin-ports-open-to-world",
  compliant: [
    one("HTTPS open to the world", T.sg, sg([{ protocol: "tcp", fromPort: 443, toPort: 443, ...world }])),
    one(
      "SSH from a private CIDR",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }]),
    ),
    one(
      "SSH from another security group",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 22, toPort: 22, securityGroups: ["sg-1"] }]),
    ),
    one("egress rule to the world on 22", T.sgRule, {
      type: "egress",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      ...world,
    }),
    one("vpc ingress rule HTTPS from ::/0", T.ingressRule, {
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv6: "::/0",
    }),
    one("ICMP from the world", T.sg, sg([{ protocol: "icmp", fromPort: 8, toPort: 0, ...world }])),
    one(
      "FTP port over UDP is not FTP (UDP 21 from the world)",
      T.sg,
      sg([{ protocol: "udp", fromPort: 21, toPort: 21, ...world }]),
    ),
    one("SSH port over UDP (17) is not SSH", T.sgRule, {
      type: "ingress",
      protocol: "17",
      fromPort: 20,
      toPort: 23,
      ...world,
    }),
    one("SSH from an IPv6 /1 (half the space, not the world)", T.ingressRule, {
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv6: "::/1",
    }),
    one(
      "SSH from an invalid CIDR is a note, not a violation",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/00x"] }]),
    ),
    one(
      "configured ports replace the defaults",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 3389, toPort: 3389, ...world }]),
      {
        config: { ports: [22] },
      },
    ),
  ],
  noncompliant: [
    one("SSH from 0.0.0.0/0 inline", T.sg, sg([{ protocol: "tcp", fromPort: 22, toPort: 22, ...world }]), {
      expect: "SSH (22)",
    }),
    one(
      "RDP from ::/0 (IPv6)",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 3389, toPort: 3389, ipv6CidrBlocks: ["::/0"] }]),
      { expect: "RDP (3389)" },
    ),
    one(
      "port range 1-1024 includes 22",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 1, toPort: 1024, ...world }]),
      { expect: "SSH (22)" },
    ),
    one("all protocols (-1) include SSH", T.sg, sg([{ protocol: "-1", fromPort: 0, toPort: 0, ...world }]), {
      expect: "all protocols",
    }),
    one("standalone SecurityGroupRule", T.sgRule, {
      type: "ingress",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      securityGroupId: "sg-1",
      ...world,
    }),
    one("vpc.SecurityGroupIngressRule IPv4", T.ingressRule, {
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: "0.0.0.0/0",
      securityGroupId: "sg-1",
    }),
    one("vpc.SecurityGroupIngressRule all traffic IPv6", T.ingressRule, {
      ipProtocol: "-1",
      cidrIpv6: "::/0",
      securityGroupId: "sg-1",
    }),
    one(
      "protocol given as number 6",
      T.sgRule,
      { type: "ingress", protocol: "6", fromPort: 20, toPort: 25, ...world },
      { expect: "SSH" },
    ),
    one(
      "configured extra port range",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 8080, toPort: 8080, ...world }]),
      {
        config: { ports: [22, "8000-8100"] },
        expect: "8000-8100",
      },
    ),
    one(
      "SSH from ::0/0 (another spelling of the IPv6 world)",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::0/0"] }]),
      { expect: "SSH (22) to the internet" },
    ),
    one(
      "SSH from 0:0:0:0:0:0:0:0/0 (uncompressed IPv6 world)",
      T.ingressRule,
      { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "0:0:0:0:0:0:0:0/0" },
      { expect: "from 0:0:0:0:0:0:0:0/0" },
    ),
    one(
      "RDP from 10.0.0.0/0 (prefix length 0 contains the world)",
      T.sgRule,
      { type: "ingress", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["10.0.0.0/0"] },
      { expect: "RDP (3389)" },
    ),
    one(
      "FTP over TCP 21 from the world",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 21, toPort: 21, ...world }]),
      { expect: "FTP (21)" },
    ),
    one(
      "RDP over UDP 3389 (RDP's UDP transport)",
      T.sg,
      sg([{ protocol: "udp", fromPort: 3389, toPort: 3389, ...world }]),
      { expect: "RDP (3389)" },
    ),
    one(
      "default security group with an open rule",
      T.defaultSg,
      sg([{ protocol: "tcp", fromPort: 22, toPort: 22, ...world }]),
    ),
  ],
});

export const sgDatabase = spec({
  policy: "sg-database-ports-open-to-world",
  compliant: [
    one("PostgreSQL from the app's group", T.ingressRule, {
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "sg-app",
    }),
    one("HTTPS open", T.sg, sg([{ protocol: "tcp", fromPort: 443, toPort: 443, ...world }])),
    one("UDP 3306 is not MySQL", T.sg, sg([{ protocol: "udp", fromPort: 3306, toPort: 3306, ...world }])),
  ],
  noncompliant: [
    one("MySQL to the world", T.sg, sg([{ protocol: "tcp", fromPort: 3306, toPort: 3306, ...world }]), {
      expect: "MySQL (3306)",
    }),
    one(
      "MongoDB range via IPv6 rule",
      T.ingressRule,
      { ipProtocol: "tcp", fromPort: 27000, toPort: 28000, cidrIpv6: "::/0" },
      { expect: "27017-27019" },
    ),
    one(
      "SQL Server browser over UDP 1434 from ::0/0",
      T.sg,
      sg([{ protocol: "udp", fromPort: 1434, toPort: 1434, ipv6CidrBlocks: ["::0/0"] }]),
      { expect: "SQL Server browser (1434)" },
    ),
    one("Redis through SecurityGroupRule", T.sgRule, {
      type: "ingress",
      protocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      ...world,
    }),
  ],
});

export const sgAll = spec({
  policy: "sg-all-traffic-open-to-world",
  compliant: [
    one("single port to the world", T.sg, sg([{ protocol: "tcp", fromPort: 443, toPort: 443, ...world }])),
    one(
      "all traffic from a private range",
      T.sg,
      sg([{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }]),
    ),
    one("all traffic egress", T.sgRule, { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, ...world }),
    one(
      "all traffic from 0.0.0.0/1 (half the space, not the world)",
      T.sg,
      sg([{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/1"] }]),
    ),
  ],
  noncompliant: [
    one("protocol -1 inline", T.sg, sg([{ protocol: "-1", fromPort: 0, toPort: 0, ...world }])),
    one(
      "tcp 0-65535 from ::/0",
      T.sg,
      sg([{ protocol: "tcp", fromPort: 0, toPort: 65535, ipv6CidrBlocks: ["::/0"] }]),
    ),
    one("vpc rule ipProtocol -1", T.ingressRule, { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
    one(
      "all traffic from ::0/0",
      T.sg,
      sg([{ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::0/0"] }]),
      { expect: "from ::0/0" },
    ),
    one('protocol "all" rule', T.sgRule, {
      type: "ingress",
      protocol: "all",
      fromPort: 0,
      toPort: 65535,
      ...world,
    }),
  ],
});

export const naclAdmin = spec({
  policy: "nacl-admin-ports-open-to-world",
  compliant: [
    one("allow-all after lower-numbered denies of 22 and 3389 (IPv4)", T.nacl, {
      vpcId: "vpc-1",
      ingress: [
        { ruleNo: 90, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 },
        { ruleNo: 91, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 3389, toPort: 3389 },
        { ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 },
      ],
    }),
    one("a deny from ::0/0 shadows a later IPv6 allow of 22", T.nacl, {
      vpcId: "vpc-1",
      ingress: [
        { ruleNo: 90, action: "deny", protocol: "tcp", ipv6CidrBlock: "::0/0", fromPort: 22, toPort: 3389 },
        { ruleNo: 100, action: "allow", protocol: "tcp", ipv6CidrBlock: "::/0", fromPort: 22, toPort: 22 },
      ],
    }),
    one("allow UDP 22 from the world (not SSH)", T.naclRule, {
      networkAclId: "acl-1",
      ruleNumber: 100,
      egress: false,
      protocol: "udp",
      ruleAction: "allow",
      cidrBlock: "0.0.0.0/0",
      fromPort: 22,
      toPort: 22,
    }),
    one("allow 443 from the world", T.naclRule, {
      networkAclId: "acl-1",
      ruleNumber: 100,
      egress: false,
      protocol: "tcp",
      ruleAction: "allow",
      cidrBlock: "0.0.0.0/0",
      fromPort: 443,
      toPort: 443,
    }),
    one("deny 22 from the world", T.naclRule, {
      networkAclId: "acl-1",
      ruleNumber: 90,
      egress: false,
      protocol: "tcp",
      ruleAction: "deny",
      cidrBlock: "0.0.0.0/0",
      fromPort: 22,
      toPort: 22,
    }),
    one("egress entry", T.naclRule, {
      networkAclId: "acl-1",
      ruleNumber: 100,
      egress: true,
      protocol: "-1",
      ruleAction: "allow",
      cidrBlock: "0.0.0.0/0",
      fromPort: 0,
      toPort: 0,
    }),
  ],
  noncompliant: [
    one(
      "deny after the allow does not help",
      T.nacl,
      {
        vpcId: "vpc-1",
        ingress: [
          { ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 },
          { ruleNo: 110, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 },
        ],
      },
      { expect: "SSH (22)" },
    ),
    one(
      "an IPv4 deny does not shadow an IPv6 allow",
      T.defaultNacl,
      {
        ingress: [
          { ruleNo: 90, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 },
          { ruleNo: 100, action: "allow", protocol: "tcp", ipv6CidrBlock: "::/0", fromPort: 0, toPort: 1024 },
        ],
      },
      { expect: "::/0" },
    ),
    one(
      "a deny of 22 leaves 3389 of the range open",
      T.nacl,
      {
        vpcId: "vpc-1",
        ingress: [
          { ruleNo: 90, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 },
          {
            ruleNo: 100,
            action: "allow",
            protocol: "tcp",
            cidrBlock: "0.0.0.0/0",
            fromPort: 0,
            toPort: 65535,
          },
        ],
      },
      { expect: "RDP (3389)" },
    ),
    one("allow 22 from 0.0.0.0/0", T.naclRule, {
      networkAclId: "acl-1",
      ruleNumber: 100,
      egress: false,
      protocol: "tcp",
      ruleAction: "allow",
      cidrBlock: "0.0.0.0/0",
      fromPort: 22,
      toPort: 22,
    }),
    one(
      "allow 22 from 0:0:0:0:0:0:0:0/0",
      T.naclRule,
      {
        networkAclId: "acl-1",
        ruleNumber: 100,
        egress: false,
        protocol: "tcp",
        ruleAction: "allow",
        ipv6CidrBlock: "0:0:0:0:0:0:0:0/0",
        fromPort: 22,
        toPort: 22,
      },
      { expect: "SSH (22)" },
    ),
    one("inline allow-all from ::/0", T.nacl, {
      vpcId: "vpc-1",
      ingress: [
        { ruleNo: 100, action: "allow", protocol: "-1", ipv6CidrBlock: "::/0", fromPort: 0, toPort: 0 },
      ],
    }),
  ],
});

export const defaultSg = spec({
  policy: "default-sg-restricts-all",
  compliant: [
    one("no rules", T.defaultSg, { vpcId: "vpc-1" }),
    one("empty lists", T.defaultSg, { vpcId: "vpc-1", ingress: [], egress: [] }),
  ],
  noncompliant: [
    one("self-referencing ingress (the AWS default)", T.defaultSg, {
      vpcId: "vpc-1",
      ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }],
    }),
    one("egress to the world", T.defaultSg, {
      vpcId: "vpc-1",
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    }),
  ],
});

export const subnet = spec({
  policy: "subnet-no-auto-public-ip",
  compliant: [
    one("private subnet", T.subnet, { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24" }),
    one("explicitly off", T.subnet, { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: false }),
    one("default subnet with auto-assign off", T.defaultSubnet, {
      availabilityZone: "us-east-1a",
      mapPublicIpOnLaunch: false,
    }),
  ],
  noncompliant: [
    one("mapPublicIpOnLaunch true", T.subnet, {
      vpcId: "vpc-1",
      cidrBlock: "10.0.0.0/24",
      mapPublicIpOnLaunch: true,
    }),
    one(
      "IPv6 auto-assign",
      T.subnet,
      { vpcId: "vpc-1", ipv6CidrBlock: "2600::/64", assignIpv6AddressOnCreation: true },
      { expect: "IPv6" },
    ),
    one("default subnet left at its default", T.defaultSubnet, { availabilityZone: "us-east-1a" }),
  ],
});

const vpc = res(T.vpc, { cidrBlock: "10.0.0.0/16" }, { name: "main" });
const vpcWithId = { ...vpc, props: { ...vpc.props, id: "vpc-123" } };
export const flowLogs = spec({
  policy: "vpc-flow-logs",
  compliant: [
    {
      title: "flow log referencing the VPC by property dependency (preview)",
      resources: [
        vpc,
        res(
          T.flowLog,
          { vpcId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", trafficType: "ALL" },
          { propertyDependencies: { vpcId: [vpc.urn!] } },
        ),
      ],
    },
    {
      title: "flow log referencing the VPC id",
      resources: [vpcWithId, res(T.flowLog, { vpcId: "vpc-123", trafficType: "ALL" })],
    },
    {
      title: "REJECT accepted when configured",
      resources: [vpcWithId, res(T.flowLog, { vpcId: "vpc-123", trafficType: "REJECT" })],
      config: { trafficTypes: ["ALL", "REJECT"] },
    },
    { title: "no VPC in the stack", resources: [res(T.subnet, { vpcId: "vpc-9" })] },
  ],
  noncompliant: [
    { title: "VPC without a flow log", resources: [vpcWithId], expect: "has no flow log" },
    {
      title: "flow log for another VPC",
      resources: [vpcWithId, res(T.flowLog, { vpcId: "vpc-other", trafficType: "ALL" })],
    },
    {
      title: "REJECT-only log by default",
      resources: [vpcWithId, res(T.flowLog, { vpcId: "vpc-123", trafficType: "REJECT" })],
      expect: "REJECT only",
    },
  ] as Case[],
});
