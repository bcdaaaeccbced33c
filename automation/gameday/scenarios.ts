/**
 * The incidents the game day plays. Each is one compromised instance of the web fleet and the GuardDuty
 * findings it would raise, oldest first; the last one is the finding the response starts from. Remote
 * addresses come from the documentation ranges (RFC 5737), so nothing real is ever named.
 *
 * Where moto allows it the attacker also acts in the account: in `credential-exfiltration` the stolen
 * role session is used from outside (STS, S3), so the revocation can be checked against a real session's
 * issue time. moto records no CloudTrail (`LookupEvents` answers 500), so analysis cannot see those
 * calls: the game day says so rather than pretend.
 */

import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsClients } from "../aws/clients";
import { EC2_SERVICE_ACCESS_KEY } from "../emulator/strict/identity";
import { type FindingSpec, remoteIp, type Victim } from "./findings";
import type { Flow } from "./flow-logs";

export const SCENARIO_IDS = ["ssh-backdoor", "credential-exfiltration", "crypto-mining"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** What the attacker's own actions left behind (checks compare the response against it). */
export interface AttackerTrace {
  /** Issue time of a stolen role session the attacker used (the deny's cut-off must be later). */
  stolenSessionIssuedAt?: Date;
  stolenAccessKeyId?: string;
  notes: string[];
}

export interface AttackContext {
  victim: Victim;
  endpoint: string;
  /** Credentials the attacker's own clients use (the emulator accepts any). */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** One emulated account per scenario. */
  accountId: string;
  /** Index of the victim in the fleet (sorted instance ids). */
  victimIndex: number;
  /** Addresses the findings and the flow logs name: analysis should list them. */
  attackerIps: string[];
  /** The attack's traffic, as the VPC flow logs record it. */
  flows: Flow[];
  /** The findings, oldest first, given the times the attack began and was last seen. */
  findings(v: Victim, began: Date, lastSeen: Date): FindingSpec[];
  /** The attacker's actions in the account, before the response. */
  act?(ctx: AttackContext): Promise<AttackerTrace>;
}

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

const sshBackdoor: Scenario = {
  id: "ssh-backdoor",
  title: "SSH brute force, then a backdoor calling its command-and-control domain",
  accountId: "210987654321",
  victimIndex: 0,
  attackerIps: ["203.0.113.66", "198.51.100.200"],
  flows: [
    {
      direction: "ingress",
      remote: "203.0.113.66",
      remotePort: 40522,
      localPort: 22,
      protocol: "tcp",
      count: 40,
      bytes: 4_212,
    },
    {
      direction: "egress",
      remote: "198.51.100.200",
      remotePort: 443,
      localPort: 51000,
      protocol: "tcp",
      count: 6,
      bytes: 18_340,
    },
  ],
  findings: (v, began, lastSeen) => [
    {
      type: "UnauthorizedAccess:EC2/SSHBruteForce",
      severity: 2,
      title: `203.0.113.66 is performing SSH brute force attacks against ${v.instanceId}.`,
      description: `203.0.113.66 is performing SSH brute force attacks against ${v.instanceId}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.`,
      firstSeen: began,
      lastSeen: at(began, 1),
      count: 1843,
      action: {
        actionType: "NETWORK_CONNECTION",
        networkConnectionAction: {
          connectionDirection: "INBOUND",
          remoteIpDetails: remoteIp(
            "203.0.113.66",
            "Netherlands",
            "Amsterdam",
            "Example Hosting BV",
            "64496",
          ),
          remotePortDetails: { port: 40522 },
          localPortDetails: { port: 22, portName: "SSH" },
          protocol: "TCP",
          blocked: false,
        },
      },
    },
    {
      type: "Backdoor:EC2/C&CActivity.B!DNS",
      severity: 8,
      title: `Command and Control server domain name queried by EC2 instance ${v.instanceId}.`,
      description: `EC2 instance ${v.instanceId} is querying a domain name associated with a known Command & Control server.`,
      firstSeen: at(began, 2),
      lastSeen,
      count: 57,
      action: {
        actionType: "DNS_REQUEST",
        dnsRequestAction: { domain: "update.cdn-telemetry.example", protocol: "UDP", blocked: false },
      },
    },
  ],
};

const credentialExfiltration: Scenario = {
  id: "credential-exfiltration",
  title: "Instance role credentials stolen through SSRF and used from outside AWS",
  accountId: "321098765432",
  victimIndex: 1,
  attackerIps: ["198.51.100.23"],
  // Stolen credentials are used from the attacker's machine: no flow touches the instance.
  flows: [],
  findings: (v, began, lastSeen) => [
    {
      type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
      severity: 8,
      title: `Credentials for instance role ${v.roleName} used from external IP address.`,
      description: `Credentials created exclusively for an EC2 instance using instance role ${v.roleName} have been used from external IP address 198.51.100.23.`,
      firstSeen: began,
      lastSeen,
      count: 12,
      resourceType: "AccessKey",
      accessKeyDetails: {
        accessKeyId: "ASIAGAMEDAYEXAMPLE01",
        principalId: `AROAGAMEDAYEXAMPLE:${v.instanceId}`,
        userName: v.roleName,
        userType: "AssumedRole",
      },
      action: {
        actionType: "AWS_API_CALL",
        awsApiCallAction: {
          api: "ListBuckets",
          serviceName: "s3.amazonaws.com",
          callerType: "Remote IP",
          remoteIpDetails: remoteIp("198.51.100.23", "Romania", "Bucharest", "Example Transit SRL", "64511"),
          affectedResources: {},
        },
      },
    },
  ],
  async act(ctx) {
    // The attacker holds a copy of the role session IMDS handed out: mint one the way EC2 does (the
    // emulator runs no IMDS): signed as EC2 itself, the only principal the instance role trusts, with
    // the instance id as session name (the strict layer then tags the session with the instance's ARN).
    const insider = new AwsClients({
      endpoint: ctx.endpoint,
      region: ctx.victim.region,
      credentials: { accessKeyId: EC2_SERVICE_ACCESS_KEY, secretAccessKey: ctx.credentials.secretAccessKey },
      retry: { maxAttempts: 1 },
      headers: { "x-moto-account-id": ctx.victim.accountId },
    });
    const issuedAt = new Date();
    try {
      const session = await insider.sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ctx.victim.accountId}:role/${ctx.victim.roleName}`,
          RoleSessionName: ctx.victim.instanceId,
        }),
      );
      const c = session.Credentials!;
      const attacker = new AwsClients({
        endpoint: ctx.endpoint,
        region: ctx.victim.region,
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
        },
        retry: { maxAttempts: 1 },
        headers: { "x-moto-account-id": ctx.victim.accountId },
      });
      try {
        const who = await attacker.sts.send(new GetCallerIdentityCommand({}));
        const buckets = await attacker.s3.send(new ListBucketsCommand({}));
        return {
          stolenSessionIssuedAt: issuedAt,
          stolenAccessKeyId: c.AccessKeyId!,
          notes: [
            `attacker used the stolen session ${c.AccessKeyId} as ${who.Arn} and listed ${buckets.Buckets?.length ?? 0} bucket(s)`,
          ],
        };
      } finally {
        attacker.destroy();
      }
    } finally {
      insider.destroy();
    }
  },
};

const cryptoMining: Scenario = {
  id: "crypto-mining",
  title: "Crypto-miner dropped on an instance, resolving and connecting to a mining pool",
  accountId: "432109876543",
  victimIndex: 2,
  attackerIps: ["192.0.2.77"],
  flows: [
    {
      direction: "egress",
      remote: "192.0.2.77",
      remotePort: 3333,
      localPort: 48812,
      protocol: "tcp",
      count: 20,
      bytes: 251_904,
    },
  ],
  findings: (v, began, lastSeen) => [
    {
      type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      severity: 8,
      title: `Bitcoin-related domain name queried by EC2 instance ${v.instanceId}.`,
      description: `EC2 instance ${v.instanceId} is querying a domain name that is associated with Bitcoin-related activity.`,
      firstSeen: began,
      lastSeen: at(began, 1),
      count: 311,
      action: {
        actionType: "DNS_REQUEST",
        dnsRequestAction: { domain: "pool.xmr-mining.example", protocol: "UDP", blocked: false },
      },
    },
    {
      type: "CryptoCurrency:EC2/BitcoinTool.B",
      severity: 8,
      title: `EC2 instance ${v.instanceId} is communicating with a Bitcoin mining pool.`,
      description: `EC2 instance ${v.instanceId} is communicating with IP address 192.0.2.77 on port 3333, associated with cryptocurrency mining.`,
      firstSeen: at(began, 2),
      lastSeen,
      count: 4210,
      action: {
        actionType: "NETWORK_CONNECTION",
        networkConnectionAction: {
          connectionDirection: "OUTBOUND",
          remoteIpDetails: remoteIp("192.0.2.77", "Seychelles", "Victoria", "Example Offshore Ltd", "64500"),
          remotePortDetails: { port: 3333, portName: "Unknown" },
          localPortDetails: { port: 48812, portName: "Unknown" },
          protocol: "TCP",
          blocked: false,
        },
      },
    },
  ],
};

export const SCENARIOS: Record<ScenarioId, Scenario> = {
  "ssh-backdoor": sshBackdoor,
  "credential-exfiltration": credentialExfiltration,
  "crypto-mining": cryptoMining,
};

/** `--scenario` value to scenarios; a clear error naming the bad value and the choices. */
export function pickScenarios(value: string): Scenario[] {
  if (value === "all") return SCENARIO_IDS.map((id) => SCENARIOS[id]);
  const ids = value.split(",").map((s) => s.trim());
  for (const id of ids) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id))
      throw new Error(
        `scenario "${id}" is not known: expected one of ${SCENARIO_IDS.join(", ")} or all (e.g. --scenario ssh-backdoor)`,
      );
  }
  return [...new Set(ids)].map((id) => SCENARIOS[id as ScenarioId]);
}
