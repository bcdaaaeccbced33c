/**
 * Rule iam-authorize: the responder role, with the policy the baseline generates, assumed through the
 * layer, is allowed what its policy allows and refused the rest as AWS refuses it (code, and a message
 * naming the action and the resource). Each allowed call is shown beside the same call refused to a
 * role without permissions, so every test fails without the rule.
 */
import { CreateTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  AssociateIamInstanceProfileCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { ACCOUNT, createRole, failure, responderContext, responderLayer } from "../helpers/iam-authorize";
import type { RuleLayer } from "../helpers/strict";

const ctx = responderContext("iam-authz");

describe("strict rule iam-authorize", () => {
  let l: RuleLayer;
  let responder: RuleLayer["admin"];
  let nobody: RuleLayer["admin"];
  let instanceId: string;
  let eniId: string;
  let groupId: string;

  before(async () => {
    ({ l, responder, nobody } = await responderLayer(ctx));
    for (const b of [ctx.evidence, ctx.tools, "iam-authz-unrelated"])
      await l.admin.s3.send(new CreateBucketCommand({ Bucket: b }));
    await l.admin.dynamodb.send(
      new CreateTableCommand({
        TableName: ctx.table,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const ec2 = l.admin.ec2;
    const image = (await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!.ImageId!;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 }));
    const i = run.Instances![0]!;
    instanceId = i.InstanceId!;
    eniId = i.NetworkInterfaces![0]!.NetworkInterfaceId!;
    groupId = (
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: "iam-authz", Description: "isolation" }))
    ).GroupId!;
  });
  after(() => l.stop());

  it("DescribeInstances: allowed to the responder, refused to a role without permissions", async () => {
    await responder.ec2.send(new DescribeInstancesCommand({}));
    const err = await failure(nobody.ec2.send(new DescribeInstancesCommand({})));
    expect(err.name).to.equal("UnauthorizedOperation");
    expect(err.message).to.equal(
      "You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/ir-nobody/t " +
        "is not authorized to perform: ec2:DescribeInstances on resource: * because no identity-based policy allows the ec2:DescribeInstances action",
    );
  });

  it("CreateSnapshots tagged with the case: allowed (instance, its volumes, the snapshots, tag-on-create)", async () => {
    const input = {
      InstanceSpecification: { InstanceId: instanceId },
      TagSpecifications: [{ ResourceType: "snapshot" as const, Tags: [{ Key: "ir:case-id", Value: "c1" }] }],
    };
    const out = await responder.ec2.send(new CreateSnapshotsCommand(input));
    expect(out.Snapshots?.length).to.be.greaterThan(0);
    const err = await failure(nobody.ec2.send(new CreateSnapshotsCommand(input)));
    expect(err.name).to.equal("UnauthorizedOperation");
    expect(err.message).to.contain(
      `ec2:CreateSnapshots on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${instanceId}`,
    );
  });

  it("ModifyNetworkInterfaceAttribute: allowed to the responder, refused without permissions", async () => {
    const input = { NetworkInterfaceId: eniId, Groups: [groupId] };
    await responder.ec2.send(new ModifyNetworkInterfaceAttributeCommand(input));
    const err = await failure(nobody.ec2.send(new ModifyNetworkInterfaceAttributeCommand(input)));
    expect(err.message).to.contain(
      `ec2:ModifyNetworkInterfaceAttribute on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:network-interface/${eniId}`,
    );
  });

  it("PutObject to the evidence bucket is allowed; to an unrelated bucket refused (AccessDenied 403)", async () => {
    await responder.s3.send(new PutObjectCommand({ Bucket: ctx.evidence, Key: "c1/disk.txt", Body: "x" }));
    const err = await failure(
      responder.s3.send(new PutObjectCommand({ Bucket: "iam-authz-unrelated", Key: "a", Body: "x" })),
    );
    expect(err.name).to.equal("AccessDenied");
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).to.equal(403);
    expect(err.message).to.equal(
      "User: arn:aws:sts::123456789012:assumed-role/ir-responder/t is not authorized to perform: s3:PutObject " +
        "on resource: arn:aws:s3:::iam-authz-unrelated/a because no identity-based policy allows the s3:PutObject action",
    );
  });

  it("PutItem on the journal table: allowed to the responder, AccessDeniedException without permissions", async () => {
    const input = { TableName: ctx.table, Item: { pk: { S: "c1" } } };
    await responder.dynamodb.send(new PutItemCommand(input));
    const err = await failure(nobody.dynamodb.send(new PutItemCommand(input)));
    expect(err.name).to.equal("AccessDeniedException");
    expect(err.message).to.contain(
      `dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${ctx.table}`,
    );
  });

  it("TerminateInstances (DryRun too) is refused on an instance without ir:case-id, then without the quarantine profile, allowed once both", async () => {
    const arn = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${instanceId}`;
    const dry = await failure(
      responder.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId], DryRun: true })),
    );
    expect(dry.name).to.equal("UnauthorizedOperation");
    const err = await failure(
      responder.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })),
    );
    expect(err.name).to.equal("UnauthorizedOperation");
    expect(err.message).to.contain(`ec2:TerminateInstances on resource: ${arn}`);
    // The tag write passes through the layer: the cached tags of the instance are dropped.
    await l.admin.ec2.send(
      new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: "ir:case-id", Value: "c1" }] }),
    );
    // The case tag alone is not enough (anyone holding the role can put it on an untagged instance):
    // the instance must run under the quarantine profile (ec2:InstanceProfile, read from the instance).
    const unquarantined = await failure(
      responder.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId], DryRun: true })),
    );
    expect(unquarantined.name).to.equal("UnauthorizedOperation");
    await l.admin.iam
      .send(new CreateInstanceProfileCommand({ InstanceProfileName: "ir-deny-all" }))
      .catch(() => undefined);
    await l.admin.ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: instanceId,
        IamInstanceProfile: { Name: "ir-deny-all" },
      }),
    );
    const allowedDry = await failure(
      responder.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId], DryRun: true })),
    );
    expect(allowedDry.name).to.equal("DryRunOperation");
    await responder.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
  });

  it("PutRolePolicy on the responder role itself: explicit deny (DenySelfModification)", async () => {
    const err = await failure(
      responder.iam.send(
        new PutRolePolicyCommand({ RoleName: "ir-responder", PolicyName: "more", PolicyDocument: "{}" }),
      ),
    );
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.equal(
      "User: arn:aws:sts::123456789012:assumed-role/ir-responder/t is not authorized to perform: iam:PutRolePolicy " +
        `on resource: arn:aws:iam::${ACCOUNT}:role/ir-responder with an explicit deny in an identity-based policy: ` +
        "inline policy ir-responder-actions of role ir-responder, statement DenySelfModification",
    );
  });

  it("a bucket-policy Deny stops even the administrator", async () => {
    await l.admin.s3.send(
      new PutBucketPolicyCommand({
        Bucket: "iam-authz-unrelated",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "Sealed",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:PutObject",
              Resource: "arn:aws:s3:::iam-authz-unrelated/*",
            },
          ],
        }),
      }),
    );
    const err = await failure(
      l.admin.s3.send(new PutObjectCommand({ Bucket: "iam-authz-unrelated", Key: "b", Body: "x" })),
    );
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.contain(
      "s3:PutObject on resource: arn:aws:s3:::iam-authz-unrelated/b with an explicit deny in a resource-based policy: bucket policy of iam-authz-unrelated, statement Sealed",
    );
  });

  it("AssumeRole is refused when the trust policy does not admit the caller", async () => {
    await createRole(l.admin, "ir-ec2-only", undefined, { Service: "ec2.amazonaws.com" });
    const err = await failure(
      l.admin.sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/ir-ec2-only`, RoleSessionName: "x" }),
      ),
    );
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.contain(`sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/ir-ec2-only`);
  });

  it("an operation with no authorisation mapping is refused (StrictLayerCannotAuthorize), never let through", async () => {
    const err = await failure(responder.ec2.send(new CreateKeyPairCommand({ KeyName: "k" })));
    expect(err.name).to.equal("StrictLayerCannotAuthorize");
    expect(err.message).to.contain("ec2:CreateKeyPair");
    expect(err.message).to.contain("automation/emulator/strict/iam/authorizations/ec2.ts");
  });
});
