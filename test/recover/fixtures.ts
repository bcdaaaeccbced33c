/**
 * Shared by the recover and verify tests: a contained case against moto, a known-good AMI parameter
 * with a controlled history, and a fake Pulumi stack whose preview shows a new instance on the pinned AMI
 * (plus its registrations, targets unknown until it exists) and whose `up` launches it and registers it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand, DescribeImagesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import type { CaseOptions } from "../../automation/case/context";
import { type PreviewStep, UNKNOWN } from "../../automation/recover/pulumi-preview";
import type { WorkloadStack, WorkloadStacks } from "../../automation/recover/pulumi-workload";
import { type CaseResult, respond } from "../../automation/respond/respond";
import { TAG } from "../../facts/tags";
import type { Account } from "../helpers/responder";

export const PARAMETER = "/ir/known-good-ami/web";

/** Contains an instance (tagged as workload "web" first) and expects it contained. */
export async function containTagged(
  a: Account,
  instanceId: string,
  options: Partial<CaseOptions> = { dwellMs: 10 },
): Promise<CaseResult> {
  await a.clients.ec2.send(
    new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: TAG.workload, Value: "web" }] }),
  );
  const [r] = await respond({
    targets: [{ instanceId, source: { kind: "argument" } }],
    settings: a.settings,
    clients: a.responder,
    options,
  });
  expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
  return r!;
}

/** Two AMIs moto knows that are not the world's (the compromised instances') AMI. */
export async function otherAmis(a: Account): Promise<[string, string]> {
  const images = (await a.clients.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images ?? [];
  const ids = images.map((i) => i.ImageId!).filter((id) => id !== a.world.imageId);
  return [ids[0]!, ids[1]!];
}

/**
 * Publishes versions of the parameter; returns the time between the two halves: versions in `before`
 * were published before it, versions in `after` at or after it.
 */
export async function publish(a: Account, before: string[], after: string[]): Promise<string> {
  const put = (Value: string) =>
    a.clients.ssm.send(new PutParameterCommand({ Name: PARAMETER, Value, Type: "String", Overwrite: true }));
  for (const v of before) await put(v);
  // SSM stamps versions with whole seconds in moto: keep the halves in different seconds.
  await new Promise((r) => setTimeout(r, 1100));
  const split = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 1100));
  for (const v of after) await put(v);
  return split;
}

export function pulumiProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "ir-workload-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: web\nruntime: nodejs\n");
  return dir;
}

const URN = "urn:pulumi:prod::web::";

/** The preview a stack that declares one instance on the AMI from config (and its registrations) shows. */
export function replacementPreview(
  ami: string,
  register: { targetGroupArn: string; by: "id" | "ip" }[],
): PreviewStep[] {
  return [
    {
      urn: `${URN}aws:ec2/instance:Instance::web-replacement`,
      type: "aws:ec2/instance:Instance",
      op: "create",
      changed: ["ami", "instanceType", "subnetId"],
      unknown: [],
      inputs: { ami, instanceType: "t3.micro" },
    },
    ...register.map((r, i) => ({
      urn: `${URN}aws:lb/targetGroupAttachment:TargetGroupAttachment::web-replacement-${i}`,
      type: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
      op: "create",
      changed: ["targetGroupArn", "targetId"],
      unknown: ["targetId"],
      inputs: { targetGroupArn: r.targetGroupArn, targetId: UNKNOWN },
    })),
  ];
}

/**
 * A fake workload stack: the preview shows the replacement (and `extra` steps: what else the program
 * would change), `up` launches one instance from the pinned AMI and registers it (or not).
 */
export class ReplacingStacks implements WorkloadStacks {
  calls: string[] = [];
  launched?: string;
  constructor(
    private readonly a: Account,
    private readonly register: { targetGroupArn: string; by: "id" | "ip" }[],
    private readonly extra: PreviewStep[] = [],
  ) {}
  async select(_workDir: string, stackName: string): Promise<WorkloadStack> {
    this.calls.push(`select ${stackName}`);
    let ami = "";
    return {
      setConfig: async (k, v) => {
        this.calls.push(`config ${k}=${v}`);
        ami = v;
      },
      preview: async () => {
        this.calls.push("preview");
        return [...replacementPreview(ami, this.register), ...this.extra];
      },
      up: async (out, targets) => {
        this.calls.push(`up ${targets.length} target(s)`);
        out("+ aws:ec2:Instance web-replacement created");
        const i = (
          await this.a.clients.ec2.send(
            new RunInstancesCommand({
              ImageId: ami,
              InstanceType: "t3.micro",
              MinCount: 1,
              MaxCount: 1,
              SubnetId: this.a.world.subnets[0],
            }),
          )
        ).Instances![0]!;
        this.launched = i.InstanceId!;
        for (const r of this.register)
          await this.a.clients.elbv2.send(
            new RegisterTargetsCommand({
              TargetGroupArn: r.targetGroupArn,
              Targets: [r.by === "id" ? { Id: i.InstanceId! } : { Id: i.PrivateIpAddress!, Port: 8080 }],
            }),
          );
        return { outputs: { instanceId: i.InstanceId }, result: "succeeded" };
      },
    };
  }
}
