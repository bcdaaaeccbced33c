/**
 * Report fixtures: a REAL contained case (journal and manifest of `respond` against moto, regenerated
 * by fixtures/make-contained-case.ts) extended with synthetic entries for the later phases, sealed
 * into the same hash chain, so every report test starts from what the responder really journals.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Json } from "../../automation/engine/types";
import type { Manifest } from "../../automation/evidence/manifest";
import { GENESIS_HASH, type JournalEntry, sealEntry } from "../../automation/journal/chain";
import type { CaseMeta } from "../../automation/journal/journal";

export interface CaseFixture {
  meta: CaseMeta;
  entries: JournalEntry[];
  manifest: Manifest;
}

export function containedCase(): CaseFixture {
  return JSON.parse(readFileSync(join(__dirname, "fixtures", "contained-case.json"), "utf8")) as CaseFixture;
}

/** One synthetic journal event, `afterMs` after the case opened. */
export type Event = [stepId: string, event: string, afterMs: number, data?: Json];

/** Appends events to the chain (sealed, so the chain stays intact). */
export function extend(base: CaseFixture, events: Event[]): JournalEntry[] {
  const out = [...base.entries];
  const opened = Date.parse(base.meta.createdAt);
  for (const [stepId, event, afterMs, data] of events) {
    const last = out.at(-1)!;
    out.push(
      sealEntry({
        caseId: base.meta.caseId,
        seq: last.seq + 1,
        at: new Date(opened + afterMs).toISOString(),
        stepId,
        event,
        ...(data === undefined ? {} : { data }),
        prevHash: last.hash,
      }),
    );
  }
  return out;
}

/** Re-numbers and re-seals entries into a valid chain (a fixture edited on purpose, not tampering). */
export function reseal(entries: readonly JournalEntry[]): JournalEntry[] {
  let prevHash = GENESIS_HASH;
  return entries.map((e, seq) => {
    const { hash: _old, ...rest } = e;
    const sealed = sealEntry({ ...rest, seq, prevHash });
    prevHash = sealed.hash;
    return sealed;
  });
}

/** A step that started, ran with `record` and verified. */
export const step = (id: string, atMs: number, record: Json = null, tookMs = 1000): Event[] => [
  [id, "started", atMs],
  [id, "ran", atMs + tookMs, { record, reason: null }],
  [id, "verified", atMs + tookMs + 200, { detail: null }],
];

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Attacker-controlled strings: markup, script, ANSI escapes, bidi overrides, table breakers, 100 KB. */
export const HOSTILE = {
  script: "<script>document.title='pwned'</script>",
  img: "<img src=x onerror=\"document.title='pwned'\">",
  svg: '"><svg onload=alert(1)>',
  ansi: "\u001b[31mred\u001b[0m\u001b]0;retitled\u0007 bell",
  bidi: "invoice\u202Etxt.exe",
  markdown: "| cell | ![x](http://evil.example/x.png) [click](javascript:alert(1)) `code` **bold**",
  long: "A".repeat(100 * 1024),
};

export function laterPhases(opts: { hostile?: boolean } = {}): Event[] {
  const h = opts.hostile ? HOSTILE : undefined;
  const attackerIps = {
    instanceId: "i-0123456789abcdef0",
    window: { start: "2026-11-28T10:00:00.000Z", end: "2026-11-28T18:00:00.000Z" },
    generatedAt: "2026-11-28T19:00:00.000Z",
    addresses: [
      {
        address: "203.0.113.9",
        family: 4,
        scope: "internet",
        abuse: { scope: "internet", action: h ? h.script : "look up the abuse contact", contacts: [] },
        sources: ["cloudtrail", "finding"],
        firstSeen: "2026-11-28T11:00:00.000Z",
        lastSeen: "2026-11-28T12:00:00.000Z",
        evidence: {
          credentialUse: { address: "203.0.113.9", events: 42, userAgents: [h ? h.ansi : "aws-cli/2"] },
        },
      },
      {
        address: "52.95.110.1",
        family: 4,
        scope: "aws",
        abuse: {
          scope: "aws",
          action: "AWS address: report it to AWS",
          contacts: ["https://support.aws.amazon.com/#/contacts/report-abuse", "abuse@amazonaws.com"],
        },
        sources: ["flow-logs"],
        evidence: {},
      },
    ],
    omitted: 0,
    domains: [h ? h.markdown : "evil.example"],
    warnings: [h ? h.long : "CloudTrail keeps 90 days"],
    sources: {
      cloudtrail: { status: "done", summary: {} },
      finding: { status: "done", summary: { mentions: 1 } },
      flowLogs: { status: "skipped", reason: h ? h.script : "the VPC has no flow log to S3" },
    },
  };
  const changes = {
    window: attackerIps.window,
    resources: [],
    entries: [
      {
        time: "2026-11-28T11:05:00.000Z",
        source: "cloudtrail",
        resource: { type: "AWS::EC2::SecurityGroup", id: "sg-0abc" },
        summary: h ? h.img : "AuthorizeSecurityGroupIngress 0.0.0.0/0:22",
        who: {
          arn: h ? h.svg : "arn:aws:sts::123456789012:assumed-role/web-role/i-0123",
          sourceIp: "203.0.113.9",
        },
        eventName: "AuthorizeSecurityGroupIngress",
      },
    ],
    gaps: [h ? h.bidi : "AWS Config is not recording AWS::IAM::Role"],
  };
  return [
    ...step("investigate-workstation", 2 * HOUR, { instanceId: "i-0fedcba9876543210" }, 5 * MIN),
    ...step("investigate-mount", 2 * HOUR + 6 * MIN, null, 2 * MIN),
    ...step("analyze-attacker-ips", 3 * HOUR, attackerIps as unknown as Json, 30_000),
    ...step("analyze-change-history", 3 * HOUR + MIN, changes as unknown as Json, 20_000),
    ...step("recover-select-ami", 4 * HOUR, {
      imageId: "ami-0123456789abcdef0",
      parameter: "/ir/known-good/web",
      version: 7,
      publishedAt: "2026-11-20T09:00:00.000Z",
    }),
    ...step(
      "recover-health",
      4 * HOUR + 2 * MIN,
      {
        // The shape recover/health-step.ts records.
        targetGroups: [
          {
            targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/abc",
            expected: 2,
            healthy: 2,
          },
        ],
        waitedMs: 95_000,
        amiId: "ami-0123456789abcdef0",
        capacity: 2,
      },
      10 * MIN,
    ),
    ...step("terminate", 5 * HOUR, { instanceId: "i-0123456789abcdef0" }),
  ];
}
