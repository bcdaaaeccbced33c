import type { Instance } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { retentionWarning } from "../../automation/analyze/cloudtrail-lookup";
import { checkSubject, checkWindow, subjectFromInstance } from "../../automation/analyze/subject";
import { terminalSafe } from "../../automation/analyze/terminal-safe";
import { ROLE_ARN } from "../fixtures/analyze/cloudtrail";

describe("analyze: the subject and terminal-safe text", () => {
  it("1. builds the subject from a DescribeInstances record: every ENI's private, public and IPv6 addresses", () => {
    const instance: Instance = {
      InstanceId: "i-0abcdef1234567890",
      PrivateIpAddress: "10.0.1.25",
      PublicIpAddress: "198.51.100.7",
      NetworkInterfaces: [
        {
          NetworkInterfaceId: "eni-0123456789abcdef0",
          Association: { PublicIp: "198.51.100.7" },
          PrivateIpAddresses: [
            { PrivateIpAddress: "10.0.1.25", Association: { PublicIp: "198.51.100.7" } },
            { PrivateIpAddress: "10.0.1.26" },
          ],
          Ipv6Addresses: [{ Ipv6Address: "2a05:d014:0:0::25" }],
        },
        {
          NetworkInterfaceId: "eni-0fedcba9876543210",
          PrivateIpAddresses: [{ PrivateIpAddress: "10.0.2.9" }],
        },
      ],
    };
    const s = subjectFromInstance(instance, ROLE_ARN, ["192.0.2.200"]);
    expect(s).to.deep.equal({
      instanceId: "i-0abcdef1234567890",
      privateIpv4: ["10.0.1.25", "10.0.1.26", "10.0.2.9"],
      publicIpv4: ["198.51.100.7"],
      ipv6: ["2a05:d014:0:0::25"],
      eniIds: ["eni-0123456789abcdef0", "eni-0fedcba9876543210"],
      roleArn: ROLE_ARN,
      egressAddresses: ["192.0.2.200"],
    });
    const checked = checkSubject(s);
    expect([...checked.ownAddresses]).to.include("2a05:d014::25");
    expect(checked).to.deep.include({ roleName: "web-role", accountId: "111122223333" });
  });

  it("2. a role ARN with a path keeps its name", () => {
    expect(
      checkSubject({
        instanceId: "i-0abcdef1",
        privateIpv4: ["10.0.0.1"],
        publicIpv4: [],
        ipv6: [],
        eniIds: [],
        roleArn: "arn:aws:iam::111122223333:role/app/web",
      }).roleName,
    ).to.equal("web");
  });

  it("3. warns when the window starts before CloudTrail LookupEvents' 90 days", () => {
    const window = checkWindow("2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z");
    expect(retentionWarning(window, new Date("2026-12-01T00:00:00Z"))).to.equal(undefined);
    expect(retentionWarning(window, new Date("2027-03-01T00:00:00Z"))).to.match(
      /keeps 90 days, so earlier events are missing; query the trail's files in S3/,
    );
  });

  it("4. terminalSafe turns escapes, carriage returns and bidi overrides into visible text and caps length", () => {
    expect(terminalSafe("ok\u001b]8;;http://x\u0007link\rHIDDEN\u202etxt.exe")).to.equal(
      "ok\\u001b]8;;http://x\\u0007link\\u000dHIDDEN\\u202etxt.exe",
    );
    expect(terminalSafe("x".repeat(300), 10)).to.equal(`${"x".repeat(9)}…`);
    expect(terminalSafe(undefined)).to.equal("");
  });
});
