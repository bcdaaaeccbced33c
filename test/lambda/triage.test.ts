/**
 * The pure parts of the auto-containment function: which findings it acts on, how it reads its
 * environment, and what it tells people.
 */
import { expect } from "chai";
import type { Target } from "../../automation/input/targets";
import { readAutoContainConfig } from "../../automation/lambda/mode";
import { approvalRequest, containmentOutcome, respondCommands } from "../../automation/lambda/notify";
import { severityOf, triage } from "../../automation/lambda/triage";
import type { CaseResult } from "../../automation/respond/respond";
import {
  accessKeyFindingEvent,
  credentialExfiltrationEvent,
  guardDutyEvent,
  type InstanceFixture,
  securityHubEvent,
} from "./events";

const ID = "i-0123456789abcdef0";
const target = (instanceId: string, region?: string): Target => ({
  instanceId,
  ...(region ? { region } : {}),
  source: { kind: "guardduty", findingId: "f-1", type: "Backdoor:EC2/C&CActivity.B", severity: 8 },
});

describe("auto-containment triage", () => {
  it("acts on a GuardDuty finding event at the threshold, bare or in its envelope", () => {
    const event = guardDutyEvent(ID);
    event.detail.severity = 7;
    for (const e of [event, event.detail]) {
      const t = triage(e, 7);
      expect(t.kind).to.equal("findings");
      if (t.kind === "findings") expect(t.targets.map((x) => x.instanceId)).to.deep.equal([ID]);
    }
  });

  it("acts on every finding that names an instance: EC2 findings, and stolen instance credentials (resourceType AccessKey)", () => {
    const fixtures: InstanceFixture[] = [
      "guardduty-high",
      "guardduty-backdoor-cc-dns",
      "guardduty-bitcoin-tool-dns",
      "guardduty-bitcoin-tool",
      "guardduty-credential-exfiltration-outside",
      "guardduty-credential-exfiltration-inside",
    ];
    for (const fixture of fixtures) {
      const t = triage(guardDutyEvent(ID, { fixture }), 7);
      expect(t, fixture).to.deep.include({ kind: "findings", ignored: [] });
      if (t.kind === "findings")
        expect(
          t.targets.map((x) => x.instanceId),
          fixture,
        ).to.deep.equal([ID]);
    }
    const t = triage(credentialExfiltrationEvent(ID, "inside"), 7);
    if (t.kind !== "findings") throw new Error("expected findings");
    expect(t.targets[0]!.source.type).to.equal(
      "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    );
  });

  it("does not act on an IAM user's key (AccessKey without instanceDetails), saying why; nor on S3 findings", () => {
    const t = triage(accessKeyFindingEvent(), 7);
    expect(t).to.deep.equal({
      kind: "findings",
      targets: [],
      ignored: [
        {
          findingId: "finding-iam-user-key",
          reason:
            'the finding is about access key "AKIAQEXAMPLEUSERKEY" of IAMUser ci-deploy (resourceType AccessKey) and names no EC2 instance (no resource.instanceDetails.instanceId): nothing to contain; deactivate or rotate the key (not done automatically)',
        },
      ],
    });
    const bucket = accessKeyFindingEvent();
    bucket.detail.resource.resourceType = "S3Bucket";
    const s3 = triage(bucket, 7);
    if (s3.kind !== "findings") throw new Error("expected findings");
    expect(s3.ignored[0]!.reason).to.equal("the finding is about S3Bucket, not an EC2 instance");
  });

  it("reads Security Hub severities on GuardDuty's scale (normalized / 10, else the label)", () => {
    expect(severityOf({ Severity: { Normalized: 75 } })).to.equal(7.5);
    expect(severityOf({ Severity: { Label: "CRITICAL" } })).to.equal(9);
    expect(severityOf({ Severity: {} })).to.equal(undefined);
  });

  it("merges two findings about one instance into one target, and ignores a finding without severity", () => {
    const e = securityHubEvent(ID, 80);
    const [f] = e.detail.findings;
    e.detail.findings.push({ ...f!, Id: "second" }, { ...f!, Id: "no-severity", Severity: {} as never });
    const t = triage(e, 7);
    if (t.kind !== "findings") throw new Error("expected findings");
    expect(t.targets).to.have.length(1);
    expect(t.ignored).to.deep.equal([
      { findingId: "no-severity", reason: "the finding has no severity: not acted on automatically" },
    ]);
  });
});

describe("auto-containment environment", () => {
  it("defaults to threshold 7, no memory capture, the baseline's settings parameter and a 60 s reserve", () => {
    expect(readAutoContainConfig({ IR_AUTO_CONTAIN_MODE: "contain" })).to.deep.equal({
      mode: "contain",
      minSeverity: 7,
      memory: false,
      settingsParameter: "/ir/responder-config",
      reserveMs: 60_000,
    });
  });

  it("reads memory capture, threshold, reserve and topic", () => {
    const c = readAutoContainConfig({
      IR_AUTO_CONTAIN_MODE: "approve",
      IR_AUTO_CONTAIN_MIN_SEVERITY: "4.5",
      IR_AUTO_CONTAIN_MEMORY: "on",
      IR_AUTO_CONTAIN_RESERVE_SECONDS: "30",
      IR_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:ir-alerts",
    });
    expect(c).to.include({ mode: "approve", minSeverity: 4.5, memory: true, reserveMs: 30_000 });
    expect(c.alertTopicArn).to.equal("arn:aws:sns:us-east-1:123456789012:ir-alerts");
  });

  it("refuses a missing mode, a threshold above 8.9 and an unknown memory setting", () => {
    expect(() => readAutoContainConfig({})).to.throw(/IR_AUTO_CONTAIN_MODE null is not valid/);
    expect(() =>
      readAutoContainConfig({ IR_AUTO_CONTAIN_MODE: "contain", IR_AUTO_CONTAIN_MIN_SEVERITY: "9" }),
    ).to.throw(/"9" is not valid: expected a GuardDuty severity from 1 to 8.9/);
    expect(() =>
      readAutoContainConfig({ IR_AUTO_CONTAIN_MODE: "contain", IR_AUTO_CONTAIN_MEMORY: "maybe" }),
    ).to.throw(/IR_AUTO_CONTAIN_MEMORY "maybe" is not valid: expected "on" or "off"/);
  });
});

describe("auto-containment notices", () => {
  it("names one `ir respond` command per region", () => {
    expect(
      respondCommands(
        [target(ID, "eu-west-1"), target("i-0aaaaaaaaaaaaaaaa"), target("i-0bbbbbbbbbbbbbbbb", "eu-west-1")],
        "us-east-1",
      ),
    ).to.deep.equal([
      `ir respond ${ID} i-0bbbbbbbbbbbbbbbb --region eu-west-1`,
      "ir respond i-0aaaaaaaaaaaaaaaa --region us-east-1",
    ]);
  });

  it("keeps SNS subjects to 100 printable ASCII characters", () => {
    const many = Array.from({ length: 8 }, (_, i) => target(`i-0${String(i).repeat(16)}`));
    const subject = approvalRequest(many, "us-east-1").subject;
    expect(subject.length).to.equal(100);
    expect(subject).to.match(/^[\x20-\x7e]+$/);
  });

  it("lists the steps that did not verify in the outcome", () => {
    const r: CaseResult = {
      instanceId: ID,
      region: "us-east-1",
      caseId: "c-1",
      status: "incomplete",
      notes: [],
      steps: [
        { id: "isolate", title: "isolate", status: "verified" },
        { id: "revoke-credentials", title: "revoke", status: "failed", detail: "AccessDenied" },
      ],
      startedAt: "2026-11-28T00:00:00Z",
      endedAt: "2026-11-28T00:00:05Z",
    };
    const n = containmentOutcome([r]);
    expect(n.subject).to.equal(`[ir] needs attention: ${ID}`);
    expect(n.message).to.include(`  - ${ID} revoke-credentials: failed (AccessDenied)`);
    expect(n.message).to.not.include("isolate:");
  });
});
