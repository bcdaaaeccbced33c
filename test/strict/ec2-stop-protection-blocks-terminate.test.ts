/**
 * Rule ec2-stop-protection-blocks-terminate: stop protection refuses TerminateInstances as AWS does
 * (OperationNotPermitted), even with termination protection off; moto terminates the instance.
 */
import {
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { ec2StopProtectionBlocksTerminate } from "../../automation/emulator/strict/rules/ec2-stop-protection-blocks-terminate";
import { type Ec2Basics, ec2Basics, errorOf, launch } from "../helpers/ec2-basics";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ec2-stop-protection-blocks-terminate", () => {
  let l: RuleLayer;
  let b: Ec2Basics;
  before(async () => {
    l = await startRuleLayer([ec2StopProtectionBlocksTerminate]);
    b = await ec2Basics(l.admin);
  });
  after(() => l.stop());

  const state = async (id: string) =>
    (await l.admin.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!
      .Instances![0]!.State!.Name;
  const stopProtection = (id: string, Value: boolean) =>
    l.admin.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiStop: { Value } }));
  const terminate = (...ids: string[]) =>
    l.admin.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));

  it("refuses to terminate a stop-protected instance (termination protection off), and the instance runs on", async () => {
    const protectedOne = (await launch(l.admin, b)).InstanceId!;
    const other = (await launch(l.admin, b)).InstanceId!;
    await stopProtection(protectedOne, true);
    const err = await errorOf(terminate(other, protectedOne));
    expect(err?.name).to.equal("OperationNotPermitted");
    expect(err?.message).to.equal(
      `The instance '${protectedOne}' may not be terminated. Modify its 'disableApiStop' instance attribute and try again.`,
    );
    expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-stop-protection-blocks-terminate");
    expect(await state(protectedOne)).to.equal("running");
    expect(await state(other), "the whole call is refused").to.equal("running");
  });

  it("terminates once stop protection is off again", async () => {
    const id = (await launch(l.admin, b)).InstanceId!;
    await stopProtection(id, true);
    await stopProtection(id, false);
    await terminate(id);
    expect(await state(id)).to.be.oneOf(["shutting-down", "terminated"]);
  });
});
