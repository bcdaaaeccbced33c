/**
 * Why memory and logs arrive from a contained host on AWS, and why they did not before: the identity the
 * SSM agent signs with after the profile swap, and the evidence bucket's encryption denies against the
 * uploads a host makes (presigned parts, which carry no SSE header). Each case runs both ways: the
 * document the project ships, and the one it shipped before (which must fail as AWS would fail it).
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutBucketPolicyCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { DescribeInstanceInformationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { iamAuthorize } from "../../automation/emulator/strict/rules/iam-authorize";
import { motoS3BucketPolicy } from "../../automation/emulator/strict/rules/moto-s3-bucket-policy";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";
import { evidenceBucketPolicy } from "../../components/evidence-policies";
import { quarantinePolicy } from "../../facts/quarantine-policy";
import { DENY_ALL, launch, profile, SSM_CORE, swapProfile, waitForEnd } from "../helpers/ssm-agent";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const ACCOUNT = "123456789012";
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

describe("volatile evidence from a contained host (strict layer: SSM agent, IAM and bucket policies)", function () {
  this.timeout(120_000);
  let l: RuleLayer;
  before(async () => {
    l = await startRuleLayer([iamAuthorize, ssmAgent, motoS3BucketPolicy]);
  });
  after(() => l.stop());

  /** A command to an instance whose profile was swapped for `quarantine`; how it ended. */
  async function commandAfterSwap(name: string, quarantine: object) {
    const id = await launch(l, await profile(l, `${name}-web`, SSM_CORE));
    // Registered before the incident (a poll is the agent's chance to register).
    await l.admin.ssm.send(new DescribeInstanceInformationCommand({}));
    await swapProfile(l, id, await profile(l, `${name}-quarantine`, quarantine));
    const sent = await l.admin.ssm.send(
      new SendCommandCommand({
        InstanceIds: [id],
        DocumentName: "AWS-RunShellScript",
        TimeoutSeconds: 30,
        Parameters: { commands: ["echo captured"] },
      }),
    );
    const commandId = sent.Command!.CommandId!;
    // One poll is the agent's chance to take it; then past the total timeout (delivery + the default
    // execution timeout of an hour) on the layer's clock.
    const first = await waitForEnd(l, commandId, id, 3000).catch(() => undefined);
    if (first) return first;
    l.layer.advanceClock(3_700_000);
    try {
      return await waitForEnd(l, commandId, id, 3000);
    } finally {
      l.layer.advanceClock(-3_700_000);
    }
  }

  it("the quarantine profile's role lets the agent take and answer a command", async () => {
    const inv = await commandAfterSwap("q", quarantinePolicy({ accountId: ACCOUNT }));
    expect(inv.Status).to.equal("Success");
  });

  it("the deny-everything role of earlier versions silences the agent: the command is never delivered", async () => {
    const inv = await commandAfterSwap("d", DENY_ALL);
    expect(inv).to.include({ Status: "TimedOut", StatusDetails: "DeliveryTimedOut" });
  });

  /**
   * A multipart upload as the memory step makes it (CreateMultipartUpload without SSE headers: the
   * bucket's default encryption applies) and a presigned UploadPart as the host sends it, into a bucket
   * with `policy`; the HTTP status of the first refusal, or of the part.
   */
  async function hostUploadsPart(bucket: string, policy: object): Promise<number> {
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await l.admin.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    const up = await l.admin.s3
      .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "memory.lime" }))
      .catch((e: { $metadata: { httpStatusCode: number } }) => e.$metadata.httpStatusCode);
    if (typeof up === "number") return up;
    const url = await getSignedUrl(
      l.admin.s3,
      new UploadPartCommand({ Bucket: bucket, Key: "memory.lime", UploadId: up.UploadId!, PartNumber: 1 }),
      { expiresIn: 300 },
    );
    const res = await fetch(url, { method: "PUT", body: Buffer.alloc(1024, 1) });
    return res.status;
  }

  const policyFor = (bucket: string) =>
    evidenceBucketPolicy({
      bucketArn: `arn:aws:s3:::${bucket}`,
      // The layer's administrator signs here (a role session would too: the statements are the same).
      responderRoleArn: ROOT,
      analysts: [],
      admins: [],
      kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/evidence`,
    });

  it("the evidence bucket policy lets a presigned part without SSE headers through", async () => {
    expect(await hostUploadsPart("ev-now", policyFor("ev-now"))).to.equal(200);
  });

  it("the IfExists denies of earlier versions refuse it (403): every capture upload failed on AWS", async () => {
    const old = policyFor("ev-before");
    for (const s of old.Statement as { Sid?: string; Condition?: Record<string, Record<string, string>> }[]) {
      if (s.Sid !== "DenyNonKmsEncryption" && s.Sid !== "DenyOtherEncryptionKeys") continue;
      const [key, value] = Object.entries(s.Condition!.StringNotEquals!)[0]!;
      s.Condition = { StringNotEqualsIfExists: { [key]: value } };
    }
    expect(await hostUploadsPart("ev-before", old)).to.equal(403);
  });
});
