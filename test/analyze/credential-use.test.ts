import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { findCredentialUse } from "../../automation/analyze/credential-use";
import { checkSubject, checkWindow } from "../../automation/analyze/subject";
import {
  INSTANCE_ID,
  PRIVATE_IP,
  PUBLIC_IP,
  SESSION_KEY,
  SUBJECT,
  trailEvent,
} from "../fixtures/analyze/cloudtrail";

const WINDOW = checkWindow("2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z");
const OUTSIDE = "203.0.113.66";
const AWS_EC2 = "3.64.10.20";

describe("analyze: role credentials used from outside the instance (CloudTrail)", () => {
  // A class-level stub replaces send() on the prototype: made per suite and restored after it, so
  // suites in other files that mock the same class never see each other's answers.
  let trail: AwsClientStub<CloudTrailClient>;
  before(() => {
    trail = mockClient(CloudTrailClient);
  });
  after(() => trail.restore());
  const client = new CloudTrailClient({ region: "eu-central-1" });
  afterEach(() => trail.reset());

  function pages() {
    // Page 1: the instance's own calls (private IP via endpoint, public IP), a service acting for it.
    const page1 = [
      trailEvent({
        time: "2026-11-28T02:05:00Z",
        name: "DescribeInstances",
        source: "ec2.amazonaws.com",
        sourceIp: PRIVATE_IP,
        vpcEndpointId: "vpce-0a1b2c3d",
      }),
      trailEvent({
        time: "2026-11-28T02:06:00Z",
        name: "DescribeTags",
        source: "ec2.amazonaws.com",
        sourceIp: PUBLIC_IP,
      }),
      trailEvent({
        time: "2026-11-28T02:07:00Z",
        name: "Decrypt",
        source: "kms.amazonaws.com",
        sourceIp: "AWS Internal",
      }),
      trailEvent({
        time: "2026-11-28T02:08:00Z",
        name: "CreateGrant",
        source: "kms.amazonaws.com",
        sourceIp: "ec2.amazonaws.com",
        invokedBy: "ec2.amazonaws.com",
      }),
    ];
    // Page 2: the stolen session used from the internet and from an EC2 address elsewhere.
    const page2 = [
      trailEvent({
        time: "2026-11-28T03:20:00Z",
        name: "GetCallerIdentity",
        source: "sts.amazonaws.com",
        sourceIp: OUTSIDE,
        userAgent: "curl/8.0\u001b]0;pwned\u0007",
      }),
      trailEvent({ time: "2026-11-28T03:21:00Z", name: "ListBuckets", sourceIp: OUTSIDE }),
      trailEvent({
        time: "2026-11-28T03:22:00Z",
        name: "ListUsers",
        source: "iam.amazonaws.com",
        sourceIp: OUTSIDE,
        errorCode: "AccessDenied",
      }),
      trailEvent({
        time: "2026-11-28T04:00:00Z",
        name: "DescribeInstances",
        source: "ec2.amazonaws.com",
        sourceIp: AWS_EC2,
      }),
      // Same session name, another role (the SSM default host management role): not this role's session.
      trailEvent({
        time: "2026-11-28T04:01:00Z",
        name: "UpdateInstanceInformation",
        source: "ssm.amazonaws.com",
        sourceIp: "192.0.2.1",
        session: { role: "AWSSystemsManagerDefaultEC2InstanceManagementRole", name: INSTANCE_ID },
        accessKeyId: "ASIAOTHERROLE0000001",
      }),
    ];
    return { page1, page2 };
  }

  it("1. GIVEN two pages WHEN analysed THEN only the outside addresses are flagged, with their evidence", async () => {
    const { page1, page2 } = pages();
    trail.on(LookupEventsCommand).callsFake((input) => {
      if (input.LookupAttributes[0].AttributeKey === "AccessKeyId") return { Events: [] };
      return input.NextToken === "page-2" ? { Events: page2 } : { Events: page1, NextToken: "page-2" };
    });
    const result = await findCredentialUse(client, checkSubject(SUBJECT), WINDOW);
    expect(result.counts).to.deep.equal({ instance: 2, "aws-service": 2, outside: 4 });
    expect(result.otherRoleEvents).to.equal(1);
    expect(result.outside.map((o) => o.address)).to.deep.equal([OUTSIDE, AWS_EC2]);
    const top = result.outside[0]!;
    expect(top).to.deep.include({
      events: 3,
      firstSeen: "2026-11-28T03:20:00.000Z",
      lastSeen: "2026-11-28T03:22:00.000Z",
    });
    expect(top.errorCodes).to.deep.equal([{ key: "AccessDenied", count: 1 }]);
    expect(top.accessKeyIds).to.deep.equal([SESSION_KEY]);
    expect(top.eventNames.map((n) => n.key)).to.include.members([
      "sts:GetCallerIdentity",
      "s3:ListBuckets",
      "iam:ListUsers",
    ]);
    expect(result.truncated).to.equal(false);
  });

  it("2. looks up each key used from outside again by AccessKeyId, and merges events it had not seen", async () => {
    const { page1, page2 } = pages();
    const extra = trailEvent({
      time: "2026-11-28T05:00:00Z",
      name: "GetSecretValue",
      source: "secretsmanager.amazonaws.com",
      sourceIp: OUTSIDE,
    });
    trail.on(LookupEventsCommand).callsFake((input) => {
      if (input.LookupAttributes[0].AttributeKey === "AccessKeyId") {
        expect(input.LookupAttributes[0].AttributeValue).to.equal(SESSION_KEY);
        return { Events: [page2[1]!, extra] };
      }
      return input.NextToken ? { Events: page2 } : { Events: page1, NextToken: "p2" };
    });
    const result = await findCredentialUse(client, checkSubject(SUBJECT), WINDOW);
    const calls = trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    expect(calls).to.have.length(3);
    expect(calls[0]).to.deep.include({ StartTime: WINDOW.start, EndTime: WINDOW.end, MaxResults: 50 });
    expect(calls[0]!.LookupAttributes).to.deep.equal([
      { AttributeKey: "Username", AttributeValue: INSTANCE_ID },
    ]);
    expect(result.outside[0]).to.deep.include({
      address: OUTSIDE,
      events: 4,
      lastSeen: "2026-11-28T05:00:00.000Z",
    });
  });

  it("3. the instance's NAT gateway address counts as its own (egressAddresses)", async () => {
    trail.on(LookupEventsCommand).resolves({
      Events: [
        trailEvent({
          time: "2026-11-28T02:10:00Z",
          name: "DescribeTags",
          source: "ec2.amazonaws.com",
          sourceIp: "192.0.2.200",
        }),
      ],
    });
    const result = await findCredentialUse(
      client,
      checkSubject({ ...SUBJECT, egressAddresses: ["192.0.2.200"] }),
      WINDOW,
    );
    expect(result.counts.outside).to.equal(0);
    expect(result.counts.instance).to.equal(1);
  });

  it("4. stops at the page bound and says so", async () => {
    trail.on(LookupEventsCommand).callsFake((input) => ({
      Events: [
        trailEvent({
          time: "2026-11-28T02:10:00Z",
          name: "DescribeInstances",
          source: "ec2.amazonaws.com",
          sourceIp: PRIVATE_IP,
        }),
      ],
      NextToken: `t${(Number(input.NextToken?.slice(1)) || 0) + 1}`,
    }));
    const result = await findCredentialUse(client, checkSubject(SUBJECT), WINDOW, { maxPages: 3 });
    expect(result.lookupPages).to.equal(3);
    expect(result.truncated).to.equal(true);
  });

  it("5. counts an event whose CloudTrailEvent is not JSON instead of failing", async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [{ EventId: "x", CloudTrailEvent: "{truncated" }] });
    const result = await findCredentialUse(client, checkSubject(SUBJECT), WINDOW);
    expect(result.unparsable).to.equal(1);
    expect(result.outside).to.deep.equal([]);
  });
});
