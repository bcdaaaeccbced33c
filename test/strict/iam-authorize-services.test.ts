/**
 * Rule iam-authorize, beyond the responder's everyday calls: policy changes through the layer take
 * effect at once, request tags count only on the resources a call creates, iam:PassRole is asked when a
 * profile is associated, S3 asks KMS for the caller (kms:ViaService) and the key policy must admit the
 * account, presigned URLs are authorised as their signer, GetCallerIdentity needs no permission.
 */

import {
  AssociateIamInstanceProfileCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import {
  ACCOUNT,
  createRole,
  failure,
  responderContext,
  responderLayer,
  sessionOf,
} from "../helpers/iam-authorize";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import type { RuleLayer } from "../helpers/strict";

const ctx = responderContext("iam-svc");
const policy = (...Statement: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement });

describe("strict rule iam-authorize: services", () => {
  let l: RuleLayer;
  let responder: RuleLayer["admin"];
  let nobody: RuleLayer["admin"];
  let image: string;
  let subnet: string;

  before(async () => {
    ({ l, responder, nobody } = await responderLayer(ctx));
    image = (await l.admin.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!.ImageId!;
    subnet = (await l.admin.ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.SubnetId!;
  });
  after(() => l.stop());

  it("a policy written through the layer takes effect on the next call", async () => {
    await failure(nobody.ec2.send(new DescribeInstancesCommand({})));
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-nobody",
        PolicyName: "read",
        PolicyDocument: policy({ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }),
      }),
    );
    await nobody.ec2.send(new DescribeInstancesCommand({}));
  });

  it("GetCallerIdentity needs no permission: an explicit Deny * stops everything but it", async () => {
    await createRole(l.admin, "ir-denied");
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-denied",
        PolicyName: "deny",
        PolicyDocument: policy({ Sid: "All", Effect: "Deny", Action: "*", Resource: "*" }),
      }),
    );
    const denied = l.as(await sessionOf(l.admin, "ir-denied"));
    const me = await denied.sts.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).to.contain("ir-denied");
    const err = await failure(denied.ec2.send(new DescribeInstancesCommand({})));
    expect(err.message).to.contain(
      "with an explicit deny in an identity-based policy: inline policy deny of role ir-denied, statement All",
    );
  });

  it("request tags count only on created resources: a tag-conditioned RunInstances statement does not cover the image", async () => {
    await createRole(l.admin, "ir-launcher");
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-launcher",
        PolicyName: "launch",
        PolicyDocument: policy(
          {
            Sid: "TaggedOnly",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateTags"],
            Resource: "*",
            Condition: { Null: { "aws:RequestTag/ir:case-id": "false" } },
          },
          {
            Sid: "LaunchFrom",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [
              `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/*`,
              `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/*`,
            ],
          },
        ),
      }),
    );
    const launcher = l.as(await sessionOf(l.admin, "ir-launcher"));
    const tags = ["instance", "volume", "network-interface"].map((t) => ({
      ResourceType: t as "instance",
      Tags: [{ Key: "ir:case-id", Value: "c1" }],
    }));
    const input = { ImageId: image, SubnetId: subnet, MinCount: 1, MaxCount: 1, TagSpecifications: tags };
    const err = await failure(launcher.ec2.send(new RunInstancesCommand(input)));
    expect(err.name).to.equal("UnauthorizedOperation");
    expect(err.message).to.contain(`ec2:RunInstances on resource: arn:aws:ec2:us-east-1::image/${image}`);
    // Untagged: refused on the instance itself (the first resource of the launch).
    const untagged = await failure(
      launcher.ec2.send(new RunInstancesCommand({ ...input, TagSpecifications: [] })),
    );
    expect(untagged.message).to.contain(
      `ec2:RunInstances on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
    );
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-launcher",
        PolicyName: "images",
        PolicyDocument: policy({
          Effect: "Allow",
          Action: "ec2:RunInstances",
          Resource: "arn:aws:ec2:us-east-1::image/*",
        }),
      }),
    );
    await launcher.ec2.send(new RunInstancesCommand(input));
  });

  it("associating a profile asks iam:PassRole on its role (ec2.amazonaws.com)", async () => {
    const run = await l.admin.ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 }));
    const instanceId = run.Instances![0]!.InstanceId!;
    for (const role of ["ir-deny-all", "ir-workload-admin"]) {
      await createRole(l.admin, role, undefined, { Service: "ec2.amazonaws.com" });
      await l.admin.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: role }));
      await l.admin.iam.send(
        new AddRoleToInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }),
      );
    }
    const err = await failure(
      responder.ec2.send(
        new AssociateIamInstanceProfileCommand({
          InstanceId: instanceId,
          IamInstanceProfile: { Name: "ir-workload-admin" },
        }),
      ),
    );
    expect(err.name).to.equal("UnauthorizedOperation");
    expect(err.message).to.contain(
      `iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/ir-workload-admin`,
    );
    await responder.ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: instanceId,
        IamInstanceProfile: { Name: "ir-deny-all" },
      }),
    );
  });

  it("SSE-KMS through S3: kms:GenerateDataKey is asked for the caller, and the key policy must admit the account", async () => {
    const kms = new KMSClient({ endpoint: l.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      await l.admin.s3.send(new CreateBucketCommand({ Bucket: ctx.evidence }));
      await l.admin.s3.send(
        new PutBucketEncryptionCommand({
          Bucket: ctx.evidence,
          ServerSideEncryptionConfiguration: {
            Rules: [
              { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.KeyId } },
            ],
          },
        }),
      );
      // The responder's policy names the evidence key by another ARN: S3 cannot use this key for it.
      const err = await failure(
        responder.s3.send(new PutObjectCommand({ Bucket: ctx.evidence, Key: "c1/a", Body: "x" })),
      );
      expect(err.name).to.equal("AccessDenied");
      expect(err.message).to.contain(`kms:GenerateDataKey on resource: ${key.Arn}`);
      // A key policy that admits nobody stops even the administrator.
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: key.KeyId,
          PolicyName: "default",
          Policy: policy({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ir-nobody` },
            Action: "kms:Decrypt",
            Resource: "*",
          }),
        }),
      );
      const admin = await failure(
        l.admin.s3.send(new PutObjectCommand({ Bucket: ctx.evidence, Key: "c1/b", Body: "x" })),
      );
      expect(admin.message).to.contain(`kms:GenerateDataKey on resource: ${key.Arn}`);
    } finally {
      kms.destroy();
    }
  });

  it("a presigned URL is authorised as its signer", async () => {
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "iam-svc-other" }));
    const url = await getSignedUrl(
      responder.s3,
      new PutObjectCommand({ Bucket: "iam-svc-other", Key: "a" }),
      {
        expiresIn: 600,
      },
    );
    const r = await fetch(url, { method: "PUT", body: "x" });
    expect(r.status).to.equal(403);
    expect(await r.text()).to.contain("s3:PutObject on resource: arn:aws:s3:::iam-svc-other/a");
  });
});
