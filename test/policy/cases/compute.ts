import { gzipSync } from "node:zlib";
import { one, spec } from "../harness";
import { T } from "./types";

const good = { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 };
const root = { rootBlockDevice: { encrypted: true, volumeSize: 20 } };
const inst = (extra: Record<string, unknown> = {}) => ({
  ami: "resolve:ssm:/ir/known-good-ami/web",
  instanceType: "t3.micro",
  metadataOptions: good,
  ...root,
  ...extra,
});
const b64 = (s: string) => Buffer.from(s).toString("base64");

export const imdsv2 = spec({
  policy: "imdsv2-required",
  compliant: [
    one("instance requiring tokens", T.instance, inst()),
    one("instance with IMDS disabled", T.instance, inst({ metadataOptions: { httpEndpoint: "disabled" } })),
    one("launch template requiring tokens", T.lt, { metadataOptions: { httpTokens: "required" } }),
    one("launch configuration requiring tokens", T.lc, {
      imageId: "ami-1",
      instanceType: "t3.micro",
      metadataOptions: { httpTokens: "required" },
    }),
    one("account default requires tokens", T.metadataDefaults, { httpTokens: "required" }),
    one("instance from a launch template defers to it", T.instance, { launchTemplate: { id: "lt-1" } }),
    one(
      "no metadataOptions when the account default is trusted",
      T.lt,
      { imageId: "ami-1" },
      { config: { trustAccountDefault: true } },
    ),
  ],
  noncompliant: [
    one(
      "instance without metadataOptions",
      T.instance,
      { ami: "ami-1", instanceType: "t3.micro" },
      { expect: "not set" },
    ),
    one(
      "instance with httpTokens optional",
      T.instance,
      inst({ metadataOptions: { httpTokens: "optional" } }),
      { expect: '"optional"' },
    ),
    one("launch template without tokens", T.lt, { metadataOptions: { httpEndpoint: "enabled" } }),
    one("launch template without metadataOptions", T.lt, { imageId: "ami-1" }),
    one("launch configuration optional", T.lc, {
      imageId: "ami-1",
      metadataOptions: { httpTokens: "optional" },
    }),
    one("spot request without metadataOptions", T.spot, { ami: "ami-1", instanceType: "t3.micro" }),
    one("account default allows IMDSv1", T.metadataDefaults, { httpTokens: "optional" }),
  ],
});

export const hopLimit = spec({
  policy: "imds-hop-limit",
  compliant: [
    one("hop limit 1", T.instance, inst()),
    one("hop limit not set", T.lt, { metadataOptions: { httpTokens: "required" } }),
    one(
      "hop limit irrelevant when IMDS is disabled",
      T.instance,
      inst({ metadataOptions: { httpEndpoint: "disabled", httpPutResponseHopLimit: 5 } }),
    ),
    one(
      "hop limit 2 when allowed",
      T.lt,
      { metadataOptions: { httpPutResponseHopLimit: 2 } },
      { config: { maxHopLimit: 2 } },
    ),
  ],
  noncompliant: [
    one(
      "instance hop limit 2",
      T.instance,
      inst({ metadataOptions: { ...good, httpPutResponseHopLimit: 2 } }),
      { expect: "is 2" },
    ),
    one("launch template hop limit 3", T.lt, {
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 },
    }),
    one("launch configuration hop limit 64", T.lc, {
      imageId: "ami-1",
      metadataOptions: { httpPutResponseHopLimit: 64 },
    }),
    one("account default hop limit 2", T.metadataDefaults, {
      httpTokens: "required",
      httpPutResponseHopLimit: 2,
    }),
  ],
});

export const blockDevices = spec({
  policy: "ec2-block-devices-encrypted",
  compliant: [
    one(
      "encrypted root and data volume",
      T.instance,
      inst({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }] }),
    ),
    one("launch template with encrypted mapping (string true)", T.lt, {
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
    }),
    one("launch template without mappings", T.lt, { imageId: "ami-1" }),
    one(
      "instance root left to account default when allowed",
      T.instance,
      { ami: "ami-1" },
      { config: { requireExplicitRoot: false } },
    ),
    one("instance store mapping is not EBS", T.lc, {
      imageId: "ami-1",
      ...root,
      ebsBlockDevices: [{ deviceName: "/dev/sdb", noDevice: true }],
    }),
  ],
  noncompliant: [
    one("root volume not encrypted", T.instance, inst({ rootBlockDevice: { volumeSize: 20 } }), {
      expect: "rootBlockDevice.encrypted",
    }),
    one(
      "extra volume encrypted false",
      T.instance,
      inst({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }] }),
      { expect: "ebsBlockDevices[0]" },
    ),
    one("no root block device", T.instance, { ami: "ami-1" }, { expect: "rootBlockDevice is not set" }),
    one('launch template mapping "false"', T.lt, {
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false", volumeSize: 8 } }],
    }),
    one("launch configuration root not encrypted", T.lc, {
      imageId: "ami-1",
      rootBlockDevice: { volumeSize: 8 },
    }),
    one("spot request data volume", T.spot, {
      ami: "ami-1",
      ...root,
      ebsBlockDevices: [{ deviceName: "/dev/sdf" }],
    }),
  ],
});

export const volume = spec({
  policy: "ebs-volume-encrypted",
  compliant: [one("encrypted", T.volume, { availabilityZone: "us-east-1a", size: 10, encrypted: true })],
  noncompliant: [
    one("not set", T.volume, { availabilityZone: "us-east-1a", size: 10 }),
    one("false", T.volume, { availabilityZone: "us-east-1a", size: 10, encrypted: false }),
    one(
      "from a snapshot without the flag",
      T.volume,
      { availabilityZone: "us-east-1a", snapshotId: "snap-1" },
      { expect: "source snapshot" },
    ),
  ],
});

export const ebsDefault = spec({
  policy: "ebs-encryption-by-default",
  compliant: [one("enabled", T.ebsDefault, { enabled: true }), one("default (enabled)", T.ebsDefault, {})],
  noncompliant: [one("disabled", T.ebsDefault, { enabled: false })],
});

export const efs = spec({
  policy: "efs-encrypted",
  compliant: [
    one("encrypted", T.efs, { encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/1" }),
  ],
  noncompliant: [one("not set", T.efs, {}), one("false", T.efs, { encrypted: false })],
});

export const publicIp = spec({
  policy: "ec2-no-public-ip",
  compliant: [
    one("no public IP", T.instance, inst({ associatePublicIpAddress: false })),
    one("launch template NIC without public IP", T.lt, {
      networkInterfaces: [{ associatePublicIpAddress: "false", subnetId: "subnet-1" }],
    }),
    one("unattached Elastic IP", T.eip, { domain: "vpc" }),
    one("EIP on a bastion, exempted by a tag with a reason", T.eip, {
      instance: "i-1",
      tags: { "ir:policy-exempt:ec2-no-public-ip": "bastion, ticket SEC-1" },
    }),
  ],
  noncompliant: [
    one("instance with a public IP", T.instance, inst({ associatePublicIpAddress: true })),
    one('launch template NIC "true"', T.lt, { networkInterfaces: [{ associatePublicIpAddress: "true" }] }),
    one("launch configuration", T.lc, { imageId: "ami-1", associatePublicIpAddress: true }),
    one("EIP attached to an instance", T.eip, { domain: "vpc", instance: "i-123" }, { expect: "i-123" }),
    one("EIP association to an instance created in this update (unknown id)", T.eipAssoc, {
      instanceId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    }),
  ],
});

export const approvedAmi = spec({
  policy: "approved-ami",
  compliant: [
    one("known-good parameter", T.instance, inst()),
    one("known-good parameter with a version", T.lt, { imageId: "resolve:ssm:/ir/known-good-ami/web:7" }),
    one("allow-listed id", T.instance, inst({ ami: "ami-0123456789abcdef0" }), {
      config: { allowedAmiIds: ["ami-0123456789abcdef0"] },
    }),
    one("Amazon public parameter (owner amazon)", T.lc, {
      imageId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    }),
    one("instance from a launch template", T.instance, { launchTemplate: { id: "lt-1" } }),
  ],
  noncompliant: [
    one("literal id not allow-listed", T.instance, inst({ ami: "ami-0abcdef1234567890" }), {
      expect: "not approved",
    }),
    one("parameter outside the approved roots", T.lt, { imageId: "resolve:ssm:/team/random-ami" }),
    one(
      "Amazon parameter when owner amazon is not allowed",
      T.instance,
      inst({ ami: "resolve:ssm:/aws/service/x" }),
      { config: { allowedOwners: [] } },
    ),
    one("spot request with a community AMI", T.spot, { ami: "ami-0fffffffffffffff0" }),
  ],
});

const fakeKey = ["AKIA", "Q3EGRL6YB2WXNZAP"].join("");
/** A realistic bootstrap that must not be reported (low false positives). */
const BENIGN_BOOTSTRAP = [
  "#cloud-config",
  "ssh_pwauth: false",
  "chpasswd: { expire: False }",
  "users:",
  "  - name: app",
  "    passwd: $6$rounds=4096$saltsalt$hashedhashedhashed",
  "write_files:",
  "  - path: /etc/app/config.yaml",
  "    content: |",
  "      db_password_parameter: /prod/app/db-password",
  "      secret_name: production/database/credentials",
  "      SECRET_ARN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-db",
  "runcmd:",
  '  - TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
  "  - aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
  "  - export OLDPWD=/root PWD=/srv/app",
  "  - api_key=`aws ssm get-parameter --name /app/api-key --with-decryption --query Parameter.Value --output text`",
].join("\n");

export const userData = spec({
  policy: "user-data-no-secrets",
  compliant: [
    one(
      "secret fetched from SSM at boot",
      T.instance,
      inst({
        userData:
          "#!/bin/bash\nDB_PASSWORD=$(aws ssm get-parameter --name /app/db --with-decryption --query Parameter.Value --output text)\n",
      }),
    ),
    one(
      "password variable reference",
      T.instance,
      inst({ userData: `export PASSWORD="$\{DB_PASSWORD}"\npassword: {{ vault_password }}\n` }),
    ),
    one("AWS documentation example key", T.lt, {
      userData: b64("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
    }),
    one(
      "public key only",
      T.instance,
      inst({ userData: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH user@host\n" }),
    ),
    one("short or placeholder values", T.lc, {
      imageId: "ami-1",
      userData: "password=changeme\ntoken=abc\n",
    }),
    one("plain word that looks like base64", T.instance, inst({ userData: "abcdABCD" })),
    one(
      "realistic cloud-init and bootstrap (false-positive guard)",
      T.instance,
      inst({ userData: BENIGN_BOOTSTRAP }),
    ),
    one("the same bootstrap, base64 in a launch template", T.lt, {
      userData: Buffer.from(BENIGN_BOOTSTRAP).toString("base64"),
    }),
    one("allow-listed test value", T.instance, inst({ userData: "api_key=test-key-not-secret-123\n" }), {
      config: { allowPatterns: ["^test-key-"] },
    }),
  ],
  noncompliant: [
    one(
      "access key id in plain user data",
      T.instance,
      inst({ userData: `export AWS_ACCESS_KEY_ID=${fakeKey}\n` }),
      { expect: "AWS access key id" },
    ),
    one(
      "secret key in base64 launch template",
      T.lt,
      { userData: b64(`aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz"}\n`) },
      { expect: "AWS secret access key" },
    ),
    one(
      "private key in userDataBase64",
      T.instance,
      inst({
        userDataBase64: b64(
          "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
      }),
      { expect: "private key" },
    ),
    one(
      "gzip-compressed base64 user data",
      T.lt,
      { userData: gzipSync(Buffer.from(`#!/bin/bash\nDB_PASSWORD='S3cr3t-Pa55w0rd!'\n`)).toString("base64") },
      { expect: "password" },
    ),
    one(
      "chpasswd",
      T.lc,
      { imageId: "ami-1", userData: "echo 'ec2-user:Hunter2Hunter2' | chpasswd\n" },
      { expect: "chpasswd" },
    ),
    one("JSON config with a password", T.spot, {
      ami: "ami-1",
      userData: '{"db": {"password": "correct-horse-battery"}}',
    }),
    one(
      "GitHub token",
      T.instance,
      inst({
        userData: `git clone https://x:ghp_${"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}@github.com/org/repo\n`,
      }),
      { expect: "GitHub token" },
    ),
  ],
});

export const amiPublic = spec({
  policy: "ami-not-public",
  compliant: [
    one("shared with an account", T.amiPermission, { imageId: "ami-1", accountId: "222233334444" }),
    one("distribution to an organization", T.distribution, {
      distributions: [
        {
          region: "us-east-1",
          amiDistributionConfiguration: {
            launchPermission: { organizationArns: ["arn:aws:organizations::1:organization/o-1"] },
          },
        },
      ],
    }),
  ],
  noncompliant: [
    one('launch permission group "all"', T.amiPermission, { imageId: "ami-1", group: "all" }),
    one('Image Builder distribution to "all"', T.distribution, {
      distributions: [
        { region: "us-east-1", amiDistributionConfiguration: { launchPermission: { userGroups: ["all"] } } },
      ],
    }),
  ],
});

export const snapshotPublic = spec({
  policy: "snapshot-not-public",
  compliant: [
    one("shared with an account", T.snapshotPermission, { snapshotId: "snap-1", accountId: "222233334444" }),
    one(
      "shared with an allowed account",
      T.snapshotPermission,
      { snapshotId: "snap-1", accountId: "222233334444" },
      { config: { allowedAccountIds: ["222233334444"] } },
    ),
  ],
  noncompliant: [
    one('accountId "all"', T.snapshotPermission, { snapshotId: "snap-1", accountId: "all" }),
    one(
      "account outside the allow-list",
      T.snapshotPermission,
      { snapshotId: "snap-1", accountId: "999988887777" },
      { config: { allowedAccountIds: ["222233334444"] } },
    ),
  ],
});

export const amiBpa = spec({
  policy: "ami-block-public-access",
  compliant: [one("blocking new sharing", T.imageBpa, { state: "block-new-sharing" })],
  noncompliant: [one("unblocked", T.imageBpa, { state: "unblocked" })],
});

export const snapshotBpa = spec({
  policy: "snapshot-block-public-access",
  compliant: [
    one("block all sharing", T.snapshotBpa, { state: "block-all-sharing" }),
    one("block new sharing", T.snapshotBpa, { state: "block-new-sharing" }),
  ],
  noncompliant: [one("unblocked", T.snapshotBpa, { state: "unblocked" })],
});
