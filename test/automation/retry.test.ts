/**
 * The client factory's retry policy: throttling is retried for every call, other transient errors only
 * for read-only and idempotent calls (a CreateSnapshots that hit a 500 may have happened); every call
 * is recorded once with its IAM actions.
 */

import { Readable } from "node:stream";
import {
  CreateSnapshotsCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { iamActionsFor, isIdempotent } from "../../automation/aws/actions";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { backoffMs, isThrottling, isTransient } from "../../automation/aws/retry";

function scripted(statuses: number[], codes: string[]) {
  let i = 0;
  const handler = {
    calls: 0,
    async handle() {
      handler.calls++;
      const status = statuses[Math.min(i, statuses.length - 1)]!;
      const code = codes[Math.min(i, codes.length - 1)]!;
      i++;
      const body =
        status === 200
          ? '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationSet/></DescribeInstancesResponse>'
          : `<Response><Errors><Error><Code>${code}</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`;
      return { response: { statusCode: status, headers: {}, body: Readable.from([Buffer.from(body)]) } };
    },
  };
  return handler;
}

const make = (handler: ReturnType<typeof scripted>, recorder = new MemoryRecorder()) =>
  new AwsClients({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    requestHandler: handler,
    recorder,
  });

describe("client factory: retry policy and call recording", () => {
  it("retries throttling on a non-idempotent create", async () => {
    const h = scripted([503, 503, 200], ["RequestLimitExceeded", "RequestLimitExceeded", ""]);
    await make(h)
      .ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: "i-0123abcd" } }))
      .catch(() => undefined);
    expect(h.calls).to.equal(3);
  });
  it("keeps retrying throttling past maxAttempts (a burst bucket refills slowly), within its own bound", async () => {
    const throttled = scripted([503], ["RequestLimitExceeded"]);
    await make(throttled)
      .ec2.send(new DescribeInstancesCommand({}))
      .catch(() => undefined);
    expect(throttled.calls, "throttledAttempts, not maxAttempts (4)").to.equal(14);
    const h = scripted([503, 503, 503, 503, 503, 503, 200], ["RequestLimitExceeded"]);
    await make(h).ec2.send(new DescribeInstancesCommand({}));
    expect(h.calls).to.equal(7);
    // Retries off (an emulator in tests): a throttled call is not retried either.
    const off = scripted([503], ["RequestLimitExceeded"]);
    await new AwsClients({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      retry: { maxAttempts: 1 },
      requestHandler: off,
    }).ec2
      .send(new DescribeInstancesCommand({}))
      .catch(() => undefined);
    expect(off.calls).to.equal(1);
  });
  it("does not retry a 500 on a non-idempotent create", async () => {
    const h = scripted([500], ["InternalError"]);
    const rec = new MemoryRecorder();
    let err: Error | undefined;
    await make(h, rec)
      .ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: "i-0123abcd" } }))
      .catch((e) => {
        err = e;
      });
    expect(h.calls).to.equal(1);
    expect(err?.name).to.equal("InternalError");
    expect(rec.calls[0]).to.deep.include({ action: "ec2:CreateSnapshots", ok: false, attempts: 1 });
  });
  it("retries a 500 on a read, up to the bound, and records one call", async () => {
    const h = scripted([500, 500, 200], ["InternalError", "InternalError", ""]);
    const rec = new MemoryRecorder();
    await make(h, rec).ec2.send(new DescribeInstancesCommand({}));
    expect(h.calls).to.equal(3);
    expect(rec.calls).to.have.length(1);
    expect(rec.calls[0]).to.deep.include({ action: "ec2:DescribeInstances", ok: true, attempts: 3 });
    const h2 = scripted([500], ["InternalError"]);
    await make(h2)
      .ec2.send(new DescribeInstancesCommand({}))
      .catch(() => undefined);
    expect(h2.calls).to.equal(4);
  });
  it("retries a 500 on DisassociateAddress: idempotent (sent again, it finds the association gone)", async () => {
    const h = scripted([500, 503, 200], ["InternalError", "Unavailable", ""]);
    const rec = new MemoryRecorder();
    await make(h, rec).ec2.send(new DisassociateAddressCommand({ AssociationId: "eipassoc-0123abcd" }));
    expect(h.calls).to.equal(3);
    expect(rec.calls[0]).to.deep.include({ action: "ec2:DisassociateAddress", ok: true, attempts: 3 });
    expect(isIdempotent("DisassociateAddressCommand")).to.equal(true);
    // Its pair is not: AssociateAddress sent twice can move an address (AllowReassociation).
    expect(isIdempotent("AssociateAddressCommand")).to.equal(false);
  });
  it("classifies errors and bounds backoff", () => {
    expect(isThrottling({ name: "ThrottlingException" })).to.equal(true);
    expect(isThrottling({ $metadata: { httpStatusCode: 429 } })).to.equal(true);
    expect(isTransient({ $metadata: { httpStatusCode: 503 } })).to.equal(true);
    expect(isTransient({ code: "ECONNRESET" })).to.equal(true);
    expect(isTransient({ name: "ValidationError", $metadata: { httpStatusCode: 400 } })).to.equal(false);
    for (let a = 1; a < 20; a++)
      expect(backoffMs({ maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 5000 }, a)).to.be.below(5000);
  });
  it("maps a call to every IAM action it needs", () => {
    expect(iamActionsFor("EC2Client", "CreateSnapshotsCommand", { TagSpecifications: [{}] })).to.deep.equal([
      "ec2:CreateSnapshots",
      "ec2:CreateTags",
    ]);
    expect(
      iamActionsFor("DynamoDBClient", "TransactWriteItemsCommand", {
        TransactItems: [{ Put: {} }, { ConditionCheck: {} }],
      }),
    ).to.deep.equal(["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]);
    expect(iamActionsFor("S3Client", "HeadObjectCommand", {})).to.deep.equal(["s3:GetObject"]);
    expect(iamActionsFor("EC2Client", "ReplaceIamInstanceProfileAssociationCommand", {})).to.include(
      "iam:PassRole",
    );
    // The forensic workstation: tagged at launch, with its SSM-only profile (a role is passed).
    expect(
      iamActionsFor("EC2Client", "RunInstancesCommand", {
        TagSpecifications: [{}],
        IamInstanceProfile: { Name: "ir-forensic-workstation" },
      }).sort(),
    ).to.deep.equal(["ec2:CreateTags", "ec2:RunInstances", "iam:PassRole"]);
    expect(iamActionsFor("EC2Client", "CreateVolumeCommand", { TagSpecifications: [{}] })).to.include(
      "ec2:CreateTags",
    );
  });
});
