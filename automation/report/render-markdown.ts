/**
 * `report.md`: the case for a ticket. Every value that came from AWS, the finding or the journal goes
 * through `md` (escaped, defanged, bounded); only hex digests go in code spans, after a format check.
 */
import { AWS_ABUSE_EMAIL, AWS_ABUSE_FORM } from "../analyze/abuse";
import { caseFacts, stepCounts } from "./case-facts";
import { humanDuration } from "./figures";
import { type CaseReport, extraAttempts, type Figure } from "./model";
import { md } from "./text";

const HEX = /^[0-9a-f]{16,128}$/;
/** A digest in a code span when it is one; anything else is escaped like any other value. */
const digest = (v: string) => (HEX.test(v) ? `\`${v}\`` : md(v, 100));
/** Our own contacts are links; anything else is someone's data. */
const contact = (v: string) =>
  v === AWS_ABUSE_FORM ? `<${AWS_ABUSE_FORM}>` : v === AWS_ABUSE_EMAIL ? AWS_ABUSE_EMAIL : md(v, 200);

function table(head: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ["_none_", ""];
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => " --- ").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ];
}

const figure = (f: Figure) => (f.ms === null ? md(f.human) : `${f.human} (${f.ms} ms)`);
const took = (ms?: number) => (ms === undefined ? "" : humanDuration(ms));

export function renderMarkdown(r: CaseReport): string {
  const c = r.case;
  const out: string[] = [`# Case ${md(c.caseId)}: instance ${md(c.instanceId)}`, ""];
  const facts: [string, string | undefined][] = [
    ...caseFacts(r),
    [
      "journal",
      `${r.journal.entries} entries, hash chain ${r.journal.chainOk ? "intact" : `BROKEN: ${r.journal.problem}`}`,
    ],
  ];
  for (const [k, v] of facts) if (v !== undefined) out.push(`- **${k}**: ${md(v, 500)}`);
  out.push("", "## Figures", "");
  const f = r.figures;
  const steps = stepCounts(r);
  out.push(
    ...table(
      ["figure", "value"],
      [
        ["time to contain", figure(f.timeToContain)],
        ["time to evidence", figure(f.timeToEvidence)],
        ["time to recover", figure(f.timeToRecover)],
        ["artefacts", String(f.counts.artefacts)],
        ["snapshots", String(f.counts.snapshots)],
        ["steps", steps || "none"],
      ],
    ),
  );
  out.push("## Timeline", "");
  out.push(
    ...table(
      ["phase", "status", "started", "ended", "took", "steps"],
      r.phases.map((p) => [
        p.phase,
        p.status,
        md(p.startedAt ?? ""),
        md(p.endedAt ?? ""),
        took(p.durationMs),
        String(p.steps.length),
      ]),
    ),
  );
  out.push("## Steps", "");
  out.push(
    ...table(
      ["step", "phase", "status", "started", "took", "detail"],
      r.steps.map((s) => [
        md(s.id, 100),
        s.phase,
        extraAttempts(s) ? `${s.status} (${extraAttempts(s)})` : s.status,
        md(s.startedAt),
        took(s.durationMs),
        md(s.detail ?? ""),
      ]),
    ),
  );
  out.push(...evidence(r), ...analysis(r), ...recovery(r));
  if (c.instance?.tags.length) {
    out.push("## Instance tags", "");
    out.push(
      ...table(
        ["key", "value"],
        c.instance.tags.map((t) => [md(t.key, 100), md(t.value)]),
      ),
    );
  }
  out.push(`_Generated ${md(r.generatedAt)} by ir report (${r.schema})._`, "");
  return out.join("\n");
}

function evidence(r: CaseReport): string[] {
  const e = r.evidence;
  const out = ["## Evidence", ""];
  if (e.manifest) {
    out.push(
      `- **manifest**: ${md(e.manifest.key)} ${e.manifest.verified ? "(verified)" : "(NOT verified)"}, SHA-256 ${digest(e.manifest.sha256)}`,
    );
  }
  out.push(`- **listed from**: the ${e.source}`);
  if (e.note) out.push(`- **note**: ${md(e.note, 500)}`);
  if (e.memory)
    out.push(`- **memory**: ${md(e.memory.status)}${e.memory.reason ? `: ${md(e.memory.reason)}` : ""}`);
  out.push("", "### Snapshots", "");
  out.push(
    ...table(
      ["snapshot", "volume"],
      e.snapshots.map((s) => [md(s.snapshotId, 100), md(s.volumeId, 100)]),
    ),
  );
  out.push("### Artefacts", "");
  out.push(
    ...table(
      ["name", "key", "bytes", "SHA-256"],
      e.artefacts.map((a) => [md(a.name, 200), md(a.key, 300), String(a.size), digest(a.sha256)]),
    ),
  );
  return out;
}

function analysis(r: CaseReport): string[] {
  const a = r.analysis;
  const out = ["## Analysis", ""];
  if (!a.attackerIps && !a.changeHistory) return [...out, "_not run_", ""];
  if (a.attackerIps) {
    const ips = a.attackerIps;
    out.push("### Attacker addresses", "");
    if (ips.window) out.push(`Window: ${md(ips.window.start)} to ${md(ips.window.end)}`, "");
    out.push(
      ...table(
        ["address", "scope", "sources", "first seen", "last seen", "credential events", "what to do"],
        ips.addresses.map((x) => [
          md(x.address, 100),
          md(x.scope, 40),
          md(x.sources.join(", "), 100),
          md(x.firstSeen ?? ""),
          md(x.lastSeen ?? ""),
          x.credentialEvents === undefined ? "" : String(x.credentialEvents),
          `${md(x.action ?? "")}${x.contacts.length ? ` (${x.contacts.map(contact).join(", ")})` : ""}`,
        ]),
      ),
    );
    if (ips.omitted) out.push(`${ips.omitted} more address(es) left out.`, "");
    for (const s of ips.sources)
      out.push(
        `- source ${md(s.source, 40)}: ${md(s.status, 40)}${s.reason ? `: ${md(s.reason, 500)}` : ""}`,
      );
    for (const d of ips.domains) out.push(`- domain: ${md(d)}`);
    for (const w of ips.warnings) out.push(`- warning: ${md(w, 500)}`);
    if (ips.sources.length || ips.domains.length || ips.warnings.length) out.push("");
  }
  if (a.changeHistory) {
    const h = a.changeHistory;
    out.push("### Change history", "");
    out.push(
      ...table(
        ["time", "source", "resource", "change", "who", "from"],
        h.entries.map((x) => [
          md(x.time),
          md(x.source, 40),
          md(x.resource, 200),
          md(`${x.summary}${x.errorCode ? ` (${x.errorCode})` : ""}`),
          md(x.who ?? ""),
          md(x.sourceIp ?? "", 100),
        ]),
      ),
    );
    if (h.omitted) out.push(`${h.omitted} more change(s) left out.`, "");
    for (const g of h.gaps) out.push(`- gap: ${md(g, 500)}`);
    if (h.gaps.length) out.push("");
  }
  return out;
}

function recovery(r: CaseReport): string[] {
  const out = ["## Recovery", ""];
  const rec = r.recovery;
  if (!rec) return [...out, "_not run_", ""];
  if (rec.ami) {
    const v = rec.ami.version === undefined ? "" : ` version ${rec.ami.version}`;
    out.push(
      `- **image**: ${md(rec.ami.imageId, 100)}${rec.ami.parameter ? ` from ${md(rec.ami.parameter)}${v}` : ""}${rec.ami.publishedAt ? `, published ${md(rec.ami.publishedAt)}` : ""}`,
      ...(rec.ami.reason ? [`- **why**: ${md(rec.ami.reason, 500)}`] : []),
      "",
    );
  }
  out.push(
    ...table(
      ["target group", "healthy", "expected"],
      rec.health.map((h) => [md(h.targetGroupArn, 500), String(h.healthy), String(h.expected)]),
    ),
  );
  return out;
}
