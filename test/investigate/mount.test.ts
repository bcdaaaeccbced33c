/**
 * investigate-mount at the SSM client seam (moto always answers Success with empty output): what the
 * command runs (block devices read-only first, then read-only mount options), that it goes to the
 * workstation alone, waits for a registering agent within the bound, and fails with the script's
 * reason when a volume cannot be mounted read-only.
 */
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import type { Json } from "../../automation/engine/types";
import type { InvestigateContext } from "../../automation/investigate/context";
import { MOUNT_STEP, mountStep, parseMountOutput } from "../../automation/investigate/mount";
import { resolveSettings } from "../../automation/settings/settings";

const WS = "i-0aaaaaaaaaaaaaaaa";
const VOLUMES = [
  { volumeId: "vol-0123456789abcdef0", snapshotId: "snap-0123456789abcdef0", device: "/dev/sdf" },
  { volumeId: "vol-0fedcba9876543210", snapshotId: "snap-0fedcba9876543210", device: "/dev/sdg" },
];
const TIMING = { timeoutMs: 400, pollMs: 10 };

function context(clients: AwsClients): InvestigateContext {
  return {
    caseId: "c-20260101t000000z-abcdef",
    records: new Map<string, Json | undefined>([
      [
        "investigate-launch",
        { instanceId: WS, reused: false, availabilityZone: "us-east-1a", owner: "o", expiresAt: "x" },
      ],
      ["investigate-attach", { volumes: VOLUMES }],
    ]),
    resumed: false,
    clients,
    settings: resolveSettings({}, {}),
    instanceId: "i-0bbbbbbbbbbbbbbbb",
    who: {
      accountId: "123456789012",
      principalArn: "arn:aws:iam::123456789012:role/ir-responder",
      region: "us-east-1",
    },
    snapshots: VOLUMES.map((v) => ({ snapshotId: v.snapshotId, volumeId: "vol-0cccccccccccccccc" })),
    placement: {
      amiParameter: "/ir/forensic-ami",
      imageId: "ami-12345678",
      vpcId: "vpc-12345678",
      subnetId: "subnet-12345678",
      availabilityZone: "us-east-1a",
      securityGroupId: "sg-12345678",
      instanceProfile: "ir-forensic-workstation",
    },
    owner: "o",
    expiresAt: "x",
    instanceType: "t3.large",
    mount: TIMING,
    runId: "run",
  };
}

const invocation = (o: Partial<GetCommandInvocationCommandOutput>) =>
  ({ $metadata: {}, ...o }) as GetCommandInvocationCommandOutput;

describe("investigate-mount at the SSM seam", () => {
  let clients: AwsClients;
  let ssm: AwsClientStub<AwsClients["ssm"]>;
  before(() => {
    clients = new AwsClients({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "test-secret" },
    });
    // The instance, not the class: other suites' SSM clients stay untouched.
    ssm = mockClient(clients.ssm);
  });
  beforeEach(() => ssm.reset());
  after(() => {
    ssm.restore();
    clients.destroy();
  });

  it("sends the read-only mount script to the workstation alone and records each volume's result", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
    ssm.on(GetCommandInvocationCommand).resolves(
      invocation({
        Status: "Success",
        StandardOutputContent: VOLUMES.map(
          (v) =>
            `volume=${v.volumeId} device=/dev/nvme1n1 fstype=ext4 mount=/mnt/evidence/${v.volumeId} options=ro,noload,noexec,nodev,nosuid status=mounted`,
        ).join("\n"),
      }),
    );
    const ctx = context(clients);
    const step = mountStep(TIMING);
    const r = await step.run(ctx);
    const input = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(input.InstanceIds).to.deep.equal([WS]);
    expect(input.Targets).to.equal(undefined);
    expect(input.DocumentName).to.equal("AWS-RunShellScript");
    const script = input.Parameters!.commands![0]!;
    // Read-only at the block layer, checked, before anything is mounted.
    expect(script.indexOf("blockdev --setro")).to.be.greaterThan(0);
    expect(script.indexOf("blockdev --setro")).to.be.lessThan(script.indexOf("mount -t"));
    for (const opts of [
      "ro,noload,noexec,nodev,nosuid",
      "ro,norecovery,nouuid,noexec,nodev,nosuid",
      "ro,nologreplay",
    ])
      expect(script).to.include(opts);
    for (const v of VOLUMES) expect(script).to.include(`mount_volume '${v.volumeId}' '${v.device}'`);
    expect(r.record).to.deep.include({ commandId: "cmd-1", status: "Success" });
    expect((r.record as { results: unknown[] }).results).to.have.length(2);
    ctx.records.set(MOUNT_STEP, r.record);
    expect((await step.verify(ctx, r.record)).ok).to.equal(true);
  });

  it("waits for the agent of a new workstation to register, within the bound", async () => {
    const notYet = Object.assign(new Error("Instances not in a valid state"), { name: "InvalidInstanceId" });
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(notYet)
      .rejectsOnce(notYet)
      .resolves({ Command: { CommandId: "cmd-2" } });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(Object.assign(new Error("no invocation yet"), { name: "InvocationDoesNotExist" }))
      .resolvesOnce(invocation({ Status: "InProgress" }))
      .resolves(invocation({ Status: "Success", StandardOutputContent: "" }));
    const r = await mountStep(TIMING).run(context(clients));
    expect(ssm.commandCalls(SendCommandCommand)).to.have.length(3);
    expect(r.record).to.deep.include({ commandId: "cmd-2", status: "Success", results: [] });
  });

  it("gives up with the fix when the agent never registers", async () => {
    ssm
      .on(SendCommandCommand)
      .rejects(Object.assign(new Error("not registered"), { name: "InvalidInstanceId" }));
    const err = await mountStep(TIMING)
      .run(context(clients))
      .catch((e: Error) => e);
    expect((err as Error).message).to.match(
      new RegExp(
        `^workstation ${WS} did not register with SSM in time .*ssm, ssmmessages and ec2messages endpoints`,
      ),
    );
  });

  it("fails with the script's reason when a volume cannot be set read-only", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-3" } });
    ssm.on(GetCommandInvocationCommand).resolves(
      invocation({
        Status: "Failed",
        ResponseCode: 1,
        StandardOutputContent: `volume=${VOLUMES[0]!.volumeId} device=/dev/nvme1n1 status=failed reason=cannot-set-read-only\nvolume=${VOLUMES[1]!.volumeId} status=mounted`,
      }),
    );
    const err = await mountStep(TIMING)
      .run(context(clients))
      .catch((e: Error) => e);
    expect((err as Error).message).to.equal(
      `mount command cmd-3 on ${WS} ended Failed: ${VOLUMES[0]!.volumeId}: cannot-set-read-only`,
    );
  });

  it("bounds the wait for a command that never finishes", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-4" } });
    ssm.on(GetCommandInvocationCommand).resolves(invocation({ Status: "InProgress" }));
    const started = Date.now();
    const err = await mountStep(TIMING)
      .run(context(clients))
      .catch((e: Error) => e);
    expect((err as Error).message).to.match(
      /^mount command cmd-4 on i-0a+ is still InProgress after the bound/,
    );
    expect(Date.now() - started).to.be.lessThan(2_000);
  });

  it("the plan names the read-only steps without sending anything", async () => {
    const changes = await mountStep(TIMING).plan(context(clients));
    expect(changes).to.have.length(1);
    expect(changes[0]!.action).to.equal("ssm:SendCommand");
    expect(changes[0]!.detail).to.match(/blockdev --setro.*ext4: ro,noload/);
    expect(ssm.calls()).to.have.length(0);
  });

  it("parses the script's result lines", () => {
    expect(
      parseMountOutput("noise\nvolume=vol-1 device=/dev/x status=skipped reason=no-filesystem\n"),
    ).to.deep.equal([{ volumeId: "vol-1", status: "skipped", reason: "no-filesystem" }]);
    expect(parseMountOutput(undefined)).to.deep.equal([]);
  });
});
