/**
 * The analyze playbook, on an existing case (the response, step 10: docs/architecture.md): the incident window, the addresses
 * that matter (the role's credentials used from outside, the finding's peers, the flow logs' peers),
 * the change history of the instance, its interfaces, groups and role; then the whole analysis as a
 * hashed, locked artefact. Each step's record is its structured result (plain JSON of the library's
 * types), so reports read them from the journal. Reads AWS only, except for the evidence write.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type AttackerIpReport, analyzeAttackerIps } from "../analyze/attacker-ips";
import {
  type CaseWindow,
  caseWindow,
  flowLogLocation,
  natGatewayAddresses,
  sourceOf,
  subjectOfCase,
} from "../analyze/case-inputs";
import { type ChangeTimeline, changeHistory } from "../analyze/change-history";
import type { IpRangesIndex } from "../analyze/ip-ranges";
import type { AwsClients } from "../aws/clients";
import { type CaseContext, facts, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";
import { evidenceBucket, hashObject, putArtefact } from "../evidence/store";
import type { CaseMeta } from "../journal/journal";

export const ANALYSIS_NAME = "analysis.json";

export interface AnalyzeContext extends CaseContext {
  meta: CaseMeta;
  given: { since?: string; until?: string };
  ipRanges?: IpRangesIndex;
  /** Where IAM is recorded: CloudTrail logs IAM calls in us-east-1, Config in the baseline's home region. */
  global: { cloudTrail: AwsClients; config: AwsClients };
}

const message = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;
const windowOf = (ctx: AnalyzeContext) => ctx.records.get("analyze-window") as unknown as CaseWindow;

const readStep = (
  id: string,
  title: string,
  run: Step<AnalyzeContext>["run"],
  verify: (record: Json | undefined) => string,
  needs = ["analyze-window"],
): Step<AnalyzeContext> => ({
  id,
  title,
  needs,
  effect: "reads",
  timeoutMs: 10 * 60_000,
  async plan() {
    return [];
  },
  run,
  async verify(_ctx, record) {
    return { ok: true, detail: verify(record) };
  },
});

const windowStep = readStep(
  "analyze-window",
  "Fix the incident window",
  async (ctx) => ({ status: "done", record: caseWindow(ctx.meta, ctx.given) as unknown as Json }),
  (r) => {
    const w = r as unknown as CaseWindow;
    return `${w.start} .. ${w.end} (${w.source})`;
  },
  [],
);

const attackerIpsStep = readStep(
  "analyze-attacker-ips",
  "Find the addresses that matter (CloudTrail, finding, flow logs)",
  async (ctx) => {
    const f = facts(ctx);
    const warnings: string[] = [];
    const nat = await natGatewayAddresses(ctx.clients, f.vpcId).catch((err) => {
      warnings.push(
        `NAT gateways of ${f.vpcId} could not be listed (${message(err)}): calls from their addresses may show as outside use`,
      );
      return [] as string[];
    });
    const flow = await flowLogLocation(ctx.clients, f).catch((err) => ({
      reason: `flow logs of ${f.vpcId} could not be described (${message(err)})`,
      location: undefined,
    }));
    const src = sourceOf(ctx.meta);
    if (src.kind && src.kind !== "argument" && src.finding === undefined)
      warnings.push(
        "the case header does not keep the finding (too large, or opened by an older version): its addresses are missing",
      );
    const w = windowOf(ctx);
    const report = await analyzeAttackerIps({
      subject: subjectOfCase(f, resolved(ctx).role?.arn, nat),
      window: w,
      ...(src.finding !== undefined ? { finding: src.finding } : {}),
      ...(ctx.ipRanges ? { ipRanges: ctx.ipRanges } : {}),
      ...(flow.location ? { flowLogs: flow.location } : {}),
      clients: { cloudTrail: ctx.clients.cloudtrail, s3: ctx.clients.s3 },
    });
    if (!flow.location && flow.reason) report.sources.flowLogs = { status: "skipped", reason: flow.reason };
    report.warnings.push(...warnings);
    return { status: "done", record: report as unknown as Json };
  },
  (r) => {
    const rep = r as unknown as AttackerIpReport;
    const outside = rep.addresses.filter((a) => a.evidence.credentialUse).length;
    const aws = rep.addresses.filter((a) => a.scope === "aws").length;
    const sources = Object.entries(rep.sources)
      .map(([k, s]) => `${k} ${s.status}`)
      .join(", ");
    return `${rep.addresses.length} address(es), ${outside} using the role's credentials from outside, ${aws} in AWS ranges (${sources})`;
  },
);

const changeHistoryStep = readStep(
  "analyze-change-history",
  "Timeline of changes to the instance, its interfaces, groups and role",
  async (ctx) => {
    const f = facts(ctx);
    const w = windowOf(ctx);
    const timeline = await changeHistory({
      instanceId: f.instanceId,
      // The groups it had before containment: the isolation groups are the responder's own.
      securityGroupIds: [...new Set(f.enis.flatMap((e) => e.groups))],
      networkInterfaceIds: f.enis.map((e) => e.id),
      ...(resolved(ctx).role?.arn ? { role: resolved(ctx).role!.arn } : {}),
      window: w,
      clients: {
        config: ctx.clients.config,
        cloudTrail: ctx.clients.cloudtrail,
        globalConfig: ctx.global.config.config,
        globalCloudTrail: ctx.global.cloudTrail.cloudtrail,
      },
    });
    return { status: "done", record: timeline as unknown as Json };
  },
  (r) => {
    const t = r as unknown as ChangeTimeline;
    return `${t.entries.length} change(s) on ${t.resources.length} resource(s)${t.gaps.length ? `, ${t.gaps.length} gap(s)` : ""}`;
  },
);

/** The analysis as locked evidence: a new object version per run (the bucket is versioned). */
const evidenceStep: Step<AnalyzeContext> = {
  id: "analyze-evidence",
  title: `Write ${ANALYSIS_NAME} to the Object-Lock bucket`,
  after: ["analyze-window", "analyze-attacker-ips", "analyze-change-history"],
  // Half an analysis is still worth keeping: it says which source failed and why.
  async plan(ctx) {
    return [
      {
        action: "s3:PutObject",
        target: `cases/${ctx.caseId}/${ANALYSIS_NAME}`,
        detail: "the analysis, hashed, under the compliance lock",
      },
    ];
  },
  async run(ctx) {
    const body = {
      schema: "ir-analysis/1",
      caseId: ctx.caseId,
      instanceId: ctx.instanceId,
      writtenAt: new Date().toISOString(),
      window: ctx.records.get("analyze-window") ?? null,
      attackerIps: ctx.records.get("analyze-attacker-ips") ?? null,
      changeHistory: ctx.records.get("analyze-change-history") ?? null,
    };
    // Never reuse an earlier run's object: each analysis is its own version.
    const artefact = await putArtefact(
      { ...ctx, resumed: false },
      ANALYSIS_NAME,
      JSON.stringify(body, null, 2),
    );
    return { status: "done", record: { artefact } as unknown as Json };
  },
  async verify(ctx, record) {
    const a = (record as { artefact?: { key: string; sha256: string; versionId?: string } }).artefact;
    if (!a) return { ok: false, detail: "no artefact recorded" };
    const got = await hashObject(ctx, a.key, a.versionId);
    if (got.sha256 !== a.sha256) return { ok: false, detail: `${a.key}: hash differs from the one written` };
    // The body parses: a report engineer can read it back.
    await ctx.clients.s3
      .send(new GetObjectCommand({ Bucket: evidenceBucket(ctx), Key: a.key, VersionId: a.versionId }))
      .then((o) => o.Body!.transformToString())
      .then((t) => JSON.parse(t));
    return { ok: true, detail: `${a.key} sha256 ${a.sha256.slice(0, 12)}...` };
  },
};

export function analyzePlaybook(): Step<AnalyzeContext>[] {
  return [windowStep, attackerIpsStep, changeHistoryStep, evidenceStep];
}
