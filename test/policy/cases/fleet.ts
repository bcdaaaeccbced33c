import { type Case, one, res, spec } from "../harness";
import { T } from "./types";

const FLEET = "aws:ec2/spotFleetRequest:SpotFleetRequest";
const spec0 = {
  ami: "resolve:ssm:/ir/known-good-ami/batch",
  instanceType: "c5.large",
  rootBlockDevices: [{ encrypted: true, volumeSize: 20 }],
  ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
};
const fleet = (over: Record<string, unknown>) => ({
  iamFleetRole: "arn:aws:iam::1:role/fleet",
  targetCapacity: 2,
  launchSpecifications: [spec0, { ...spec0, ...over }],
});

export const fleetPublicIp = spec({
  policy: "ec2-no-public-ip",
  compliant: [one("spot fleet without public IPs", FLEET, fleet({}))],
  noncompliant: [
    one("spot fleet spec with a public IP", FLEET, fleet({ associatePublicIpAddress: true }), {
      expect: "launchSpecifications[1].associatePublicIpAddress",
    }),
  ],
});

export const fleetBlockDevices = spec({
  policy: "ec2-block-devices-encrypted",
  compliant: [one("spot fleet with encrypted devices", FLEET, fleet({}))],
  noncompliant: [
    one(
      "spot fleet spec with an unencrypted root",
      FLEET,
      fleet({ rootBlockDevices: [{ volumeSize: 20 }] }),
      { expect: "launchSpecifications[1].rootBlockDevices[0]" },
    ),
  ],
});

export const fleetAmi = spec({
  policy: "approved-ami",
  compliant: [one("spot fleet on known-good AMIs", FLEET, fleet({}))],
  noncompliant: [
    one("spot fleet spec with a literal AMI", FLEET, fleet({ ami: "ami-0123456789abcdef0" }), {
      expect: "launchSpecifications[1].ami",
    }),
  ],
});

export const fleetUserData = spec({
  policy: "user-data-no-secrets",
  compliant: [one("spot fleet with clean user data", FLEET, fleet({ userData: "#!/bin/bash\necho hi\n" }))],
  noncompliant: [
    one(
      "spot fleet spec with a private key",
      FLEET,
      fleet({ userData: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n" }),
      { expect: "launchSpecifications[1].userData" },
    ),
  ],
});

const role = res(
  T.role,
  {
    name: "batch",
    assumeRolePolicy: "{}",
    managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
  },
  { name: "batch" },
);
const profile = res(
  T.profile,
  { name: "batch-profile", arn: "arn:aws:iam::1:instance-profile/batch-profile", role: "batch" },
  { name: "batch-profile" },
);
export const fleetRole = spec({
  policy: "instance-role-not-admin",
  compliant: [
    { title: "spot fleet without an instance profile", resources: [res(FLEET, fleet({})), profile, role] },
  ],
  noncompliant: [
    {
      title: "spot fleet spec using an admin profile by ARN",
      resources: [
        res(FLEET, fleet({ iamInstanceProfileArn: "arn:aws:iam::1:instance-profile/batch-profile" })),
        profile,
        role,
      ],
      expect: "AdministratorAccess",
    },
  ] as Case[],
});

export const definiteNextToUnknown = spec({
  policy: "sg-admin-ports-open-to-world",
  compliant: [],
  noncompliant: [
    one(
      "a definite violation is still reported next to an unknown value (preview)",
      T.sg,
      {
        vpcId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        ingress: [
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] },
          { protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] },
        ],
      },
      { expect: "ingress[1]" },
    ),
  ],
});

export const exemptionTags = spec({
  policy: "exemption-tags-valid",
  compliant: [
    one("no exemption tags", T.volume, { encrypted: true, tags: { Name: "x" } }),
    one("a valid exemption tag", T.sg, {
      vpcId: "v",
      tags: { "ir:policy-exempt:sg-admin-ports-open-to-world": "bastion" },
    }),
  ],
  noncompliant: [
    one(
      "a tag naming no policy",
      T.sg,
      { vpcId: "v", tags: { "ir:policy-exempt:no-such-policy": "x" } },
      { config: { enforcementLevel: "mandatory" }, expect: "names no policy" },
    ),
    one(
      "a tag for a policy that does not check the type",
      T.volume,
      { tags: { "ir:policy-exempt:imdsv2-required": "x" } },
      { config: { enforcementLevel: "mandatory" }, expect: "has no effect" },
    ),
  ],
});
