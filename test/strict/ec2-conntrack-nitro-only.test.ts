/**
 * Rule ec2-conntrack-nitro-only: connection-tracking timeouts on a Xen instance type are refused
 * (InvalidParameterValue); moto accepts them on any type.
 */
import {
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type RunInstancesCommandInput,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import {
  ec2ConntrackNitroOnly,
  isNitroInstanceType,
} from "../../automation/emulator/strict/rules/ec2-conntrack-nitro-only";
import { type Ec2Basics, ec2Basics, errorOf as failure, launch as launchIn } from "../helpers/ec2-basics";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ec2-conntrack-nitro-only", () => {
  let l: RuleLayer;
  let b: Ec2Basics;
  const MIN = { TcpEstablishedTimeout: 60 };
  const launch = (extra: Partial<RunInstancesCommandInput>) => launchIn(l.admin, b, extra);
  const conntrack = (eni: string) =>
    l.admin.ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: eni,
        ConnectionTrackingSpecification: MIN,
      }),
    );

  before(async () => {
    l = await startRuleLayer([ec2ConntrackNitroOnly]);
    b = await ec2Basics(l.admin);
  });
  after(() => l.stop());

  it("classifies instance types by the Nitro page", () => {
    for (const t of ["t3.micro", "m5.large", "c7g.xlarge", "i3.metal", "p3dn.24xlarge", "m8i.large"])
      expect(isNitroInstanceType(t), t).to.equal(true);
    for (const t of ["t2.micro", "m4.large", "c4.xlarge", "r4.large", "i3.large", "p3.2xlarge", "m1.small"])
      expect(isNitroInstanceType(t), t).to.equal(false);
  });

  it("refuses conntrack on the ENI of a t2 instance, accepts it on a t3 and accepts groups on the t2", async () => {
    const xen = await launch({ InstanceType: "t2.micro" });
    const nitro = await launch({ InstanceType: "t3.micro" });
    const err = await failure(conntrack(xen.NetworkInterfaces![0]!.NetworkInterfaceId!));
    expect(err?.name).to.equal("InvalidParameterValue");
    expect(err?.message).to.equal(
      "The instance type t2.micro does not support configurable connection tracking",
    );
    expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-conntrack-nitro-only");
    await conntrack(nitro.NetworkInterfaces![0]!.NetworkInterfaceId!);
    const groups = xen.NetworkInterfaces![0]!.Groups!.map((g) => g.GroupId!);
    await l.admin.ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: xen.NetworkInterfaces![0]!.NetworkInterfaceId!,
        Groups: groups,
      }),
    );
  });

  it("refuses RunInstances with conntrack on a Xen type, or on the default type (m1.small)", async () => {
    const nics = [{ DeviceIndex: 0, SubnetId: b.subnetId, ConnectionTrackingSpecification: MIN }];
    const m4 = await failure(launch({ InstanceType: "m4.large", NetworkInterfaces: nics }));
    expect(m4?.message).to.contain("m4.large");
    const dflt = await failure(launch({ InstanceType: undefined, NetworkInterfaces: nics }));
    expect(dflt?.message).to.contain("m1.small");
    const ok = await launch({ InstanceType: "m5.large", NetworkInterfaces: nics });
    expect(ok.InstanceId).to.match(/^i-/);
  });

  it("follows a resize from t2 to t3 (the cached type is forgotten)", async () => {
    const xen = await launch({ InstanceType: "t2.micro" });
    const eni = xen.NetworkInterfaces![0]!.NetworkInterfaceId!;
    expect((await failure(conntrack(eni)))?.name).to.equal("InvalidParameterValue");
    await l.admin.ec2.send(new StopInstancesCommand({ InstanceIds: [xen.InstanceId!] }));
    await l.admin.ec2.send(
      new ModifyInstanceAttributeCommand({
        InstanceId: xen.InstanceId!,
        InstanceType: { Value: "t3.micro" },
      }),
    );
    await conntrack(eni);
  });
});
