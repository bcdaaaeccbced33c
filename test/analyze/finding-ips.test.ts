import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { findingAddresses } from "../../automation/analyze/finding-ips";
import { checkSubject } from "../../automation/analyze/subject";
import { INSTANCE_ID, SUBJECT } from "../fixtures/analyze/cloudtrail";

const subject = checkSubject(SUBJECT);
const event = JSON.parse(readFileSync(join(__dirname, "../fixtures/events/guardduty-high.json"), "utf8"));
const gd = (action: object, type = "Recon:EC2/PortProbeUnprotectedPort") => ({
  schemaVersion: "2.0",
  id: "f-1",
  type,
  resource: { resourceType: "Instance", instanceDetails: { instanceId: INSTANCE_ID } },
  service: { serviceName: "guardduty", action },
});

describe("analyze: remote addresses named by a finding", () => {
  it("1. GuardDuty NETWORK_CONNECTION in its EventBridge envelope: address, direction, ports, enrichment", () => {
    const { addresses } = findingAddresses(event, subject);
    expect(addresses).to.deep.equal([
      {
        address: "203.0.113.66",
        findingId: "16afba5c5c43e07c9e3e5e2e544e95df",
        findingType: "UnauthorizedAccess:EC2/SSHBruteForce",
        action: "NETWORK_CONNECTION",
        direction: "INBOUND",
        localPort: 22,
        remotePort: 51234,
        protocol: "TCP",
        country: "Unknown",
      },
    ]);
  });

  it("2. PORT_PROBE: every probing address with the probed port", () => {
    const f = gd({
      actionType: "PORT_PROBE",
      portProbeAction: {
        blocked: false,
        portProbeDetails: [
          {
            localPortDetails: { port: 3389, portName: "RDP" },
            remoteIpDetails: {
              ipAddressV4: "198.51.100.200",
              organization: { asn: "64500", asnOrg: "Example Hosting" },
            },
          },
          { localPortDetails: { port: 22, portName: "SSH" }, remoteIpDetails: { ipAddressV4: "192.0.2.10" } },
        ],
      },
    });
    const { addresses } = findingAddresses(f, subject);
    expect(addresses.map((a) => [a.address, a.action, a.localPort, a.organization, a.asn])).to.deep.equal([
      ["198.51.100.200", "PORT_PROBE", 3389, "Example Hosting", "64500"],
      ["192.0.2.10", "PORT_PROBE", 22, undefined, undefined],
    ]);
  });

  it("3. AWS_API_CALL (credential exfiltration finding): the caller's address and the API", () => {
    const f = gd(
      {
        actionType: "AWS_API_CALL",
        awsApiCallAction: {
          api: "ListBuckets",
          serviceName: "s3.amazonaws.com",
          callerType: "Remote IP",
          remoteIpDetails: { ipAddressV4: "203.0.113.9" },
        },
      },
      "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    );
    expect(findingAddresses(f, subject).addresses[0]).to.deep.include({
      address: "203.0.113.9",
      action: "AWS_API_CALL",
      api: "s3.amazonaws.com:ListBuckets",
    });
  });

  it("4. DNS_REQUEST names a domain, not an address", () => {
    const f = gd(
      {
        actionType: "DNS_REQUEST",
        dnsRequestAction: { domain: "pool.minexmr.example", protocol: "UDP", blocked: false },
      },
      "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    );
    expect(findingAddresses(f, subject)).to.deep.equal({ addresses: [], domains: ["pool.minexmr.example"] });
  });

  it("5. Security Hub ASFF: the remote side follows Network.Direction; the instance's own address is left out", () => {
    const asff = {
      SchemaVersion: "2018-10-08",
      Id: "arn:aws:securityhub:eu-central-1:111122223333:finding/1",
      Types: ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"],
      Resources: [
        { Type: "AwsEc2Instance", Id: `arn:aws:ec2:eu-central-1:111122223333:instance/${INSTANCE_ID}` },
      ],
      Network: {
        Direction: "OUT",
        Protocol: "TCP",
        SourceIpV4: "10.0.1.25",
        SourcePort: 40000,
        DestinationIpV4: "198.51.100.99",
        DestinationPort: 4444,
        DestinationIpV6: "2001:db8:bad::1",
      },
    };
    const { addresses } = findingAddresses({ Findings: [asff] }, subject);
    expect(addresses.map((a) => [a.address, a.action, a.remotePort])).to.deep.equal([
      ["198.51.100.99", "Network.DestinationIpV4", 4444],
      ["2001:db8:bad::1", "Network.DestinationIpV6", 4444],
    ]);
    const inbound = findingAddresses(
      { ...asff, Network: { Direction: "IN", SourceIpV4: "192.0.2.77", DestinationIpV4: "10.0.1.25" } },
      subject,
    );
    expect(inbound.addresses.map((a) => a.address)).to.deep.equal(["192.0.2.77"]);
  });

  it("6. ASFF Action details (port probe) are read too", () => {
    const asff = {
      SchemaVersion: "2018-10-08",
      Id: "x",
      Resources: [{ Type: "AwsEc2Instance", Id: INSTANCE_ID }],
      Action: {
        ActionType: "PORT_PROBE",
        PortProbeAction: {
          PortProbeDetails: [
            {
              LocalPortDetails: { Port: 80 },
              RemoteIpDetails: { IpAddressV4: "192.0.2.5", Country: { CountryName: "Nowhere" } },
            },
          ],
        },
      },
    };
    expect(findingAddresses(asff, subject).addresses[0]).to.deep.include({
      address: "192.0.2.5",
      localPort: 80,
      country: "Nowhere",
    });
  });

  it("7. ignores documents that are not findings and values that are not addresses", () => {
    expect(findingAddresses(null, subject).addresses).to.deep.equal([]);
    expect(
      findingAddresses(
        gd({ networkConnectionAction: { remoteIpDetails: { ipAddressV4: "not-an-ip" } } }),
        subject,
      ).addresses,
    ).to.deep.equal([]);
  });
});
