/**
 * Every AWS action the automation really calls (recorded by the client factory's middleware) is in
 * RESPONDER_ACTIONS, from which the baseline generates the responder's IAM policy.
 */
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { bootstrap } from "../../automation/bootstrap/bootstrap";
import { release } from "../../automation/respond/release";
import { respond } from "../../automation/respond/respond";
import { caseStatus } from "../../automation/respond/status";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { setupAccount } from "../helpers/responder";

describe("least privilege: recorded calls against moto (integration)", function () {
  this.timeout(120_000);

  it("respond (detach and standby, with and without a profile), plan, status, release and bootstrap use only listed actions", async () => {
    const a = await setupAccount({ bare: true });
    const recorder = new MemoryRecorder();
    const clients = new AwsClients({
      endpoint: a.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      recorder,
    });
    await bootstrap({ clients, settings: a.settings, vpcIds: [a.world.vpcId], dryRun: true });
    await bootstrap({ clients, settings: a.settings, vpcIds: [a.world.vpcId] });
    const t = (instanceId: string) => ({ instanceId, source: { kind: "argument" as const } });
    await respond({ targets: [t(a.world.solo)], settings: a.settings, clients, dryRun: true });
    const detached = await respond({
      targets: [t(a.world.asgInstances[0]!), t(a.world.solo), t(a.world.noProfile)],
      settings: a.settings,
      clients,
      options: { dwellMs: 0 },
    });
    const standby = await respond({
      targets: [t(a.world.asgInstances[1]!)],
      settings: a.settings,
      clients,
      options: { dwellMs: 0, asgAction: "standby" },
    });
    for (const r of [...detached, ...standby]) {
      expect(
        r.status,
        `${r.instanceId}: ${r.error ?? JSON.stringify(r.steps.filter((s) => s.status !== "verified"))}`,
      ).to.equal("contained");
      await caseStatus({ ref: r.caseId!, settings: a.settings, clients });
      const rel = await release({ caseId: r.caseId!, settings: a.settings, clients });
      expect(
        rel.status,
        JSON.stringify(rel.steps.filter((s) => s.status !== "verified" && s.status !== "skipped")),
      ).to.equal("released");
    }
    const used = recorder.actions();
    const unlisted = used.filter((x) => !RESPONDER_ACTIONS.includes(x));
    expect(unlisted, "called but missing from RESPONDER_ACTIONS").to.deep.equal([]);
    // What these paths cannot exercise on moto: memory capture (SSM), classic ELBs, KMS-encrypted evidence.
    const notExercised = RESPONDER_ACTIONS.filter((x) => !used.includes(x)).sort();
    expect(notExercised).to.deep.equal(
      [
        "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
        "kms:GenerateDataKey",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "ssm:GetCommandInvocation",
        "ssm:SendCommand",
        "ec2:DescribeInstanceTypes",
        // recover and verify: exercised by test/integration/recover.test.ts's own recorded-calls check.
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:UpdateAutoScalingGroup",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:DescribeImages",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:TerminateInstances",
        "ssm:GetParameterHistory",
        // investigate and bootstrap --forensic: exercised by test/investigate/*'s own recorded-calls checks.
        "ec2:AttachVolume",
        "ec2:CreateSubnet",
        "ec2:CreateVolume",
        "ec2:CreateVpc",
        "ec2:CreateVpcEndpoint",
        "ec2:DeleteVolume",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeSubnets",
        "ec2:DescribeVolumes",
        "ec2:DescribeVpcEndpoints",
        "ec2:ModifyVpcAttribute",
        "ec2:RunInstances",
        "iam:AttachRolePolicy",
        "ssm:GetParameter",
        "ssm:PutParameter",
        // auto-containment: exercised by test/lambda/handler.test.ts's own recorded-calls check.
        "sns:Publish",
        // evidence is read back pinned by version (s3:GetObjectVersion); GetObject serves resumed runs.
        "s3:GetObject",
      ].sort(),
    );
  });
});
