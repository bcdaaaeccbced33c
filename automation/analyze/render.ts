/**
 * Plain-text rendering of the analysis for a terminal or a ticket. Every value that could come from
 * the attacker goes through `terminalSafe`; the structured report stays the source of truth.
 */
import type { AttackerAddress, AttackerIpReport } from "./attacker-ips";
import type { ChangeTimeline } from "./change-history";
import { terminalSafe as s } from "./terminal-safe";

const bytes = (n: number) =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

function addressLines(a: AttackerAddress): string[] {
  const where = a.aws ? `AWS ${a.aws.service} ${a.aws.region}` : a.scope;
  const lines = [
    `${s(a.address)}  [${where}]  ${a.sources.join(", ")}  ${s(a.firstSeen ?? "?")} .. ${s(a.lastSeen ?? "?")}`,
  ];
  const use = a.evidence.credentialUse;
  if (use) {
    const names = use.eventNames
      .slice(0, 5)
      .map((n) => `${s(n.key)} x${n.count}`)
      .join(", ");
    lines.push(`    role credentials used from here: ${use.events} calls (${names})`);
    if (use.errorCodes.length)
      lines.push(`    errors: ${use.errorCodes.map((e) => `${s(e.key)} x${e.count}`).join(", ")}`);
    if (use.userAgents.length)
      lines.push(
        `    user agents: ${use.userAgents
          .slice(0, 3)
          .map((u) => s(u, 80))
          .join(" | ")}`,
      );
  }
  for (const f of a.evidence.finding ?? []) {
    const port = f.localPort !== undefined ? ` local port ${f.localPort}` : "";
    lines.push(
      `    finding ${s(f.findingType ?? f.findingId ?? "")}: ${s(f.action)}${f.direction ? ` ${s(f.direction)}` : ""}${port}${f.organization ? ` (${s(f.organization)})` : ""}`,
    );
  }
  const flow = a.evidence.flowLogs;
  if (flow) {
    lines.push(
      `    flow logs: ${flow.flows} records, in ${bytes(flow.bytesIn)} / out ${bytes(flow.bytesOut)}, accepted ${flow.accepted}, rejected ${flow.rejected}, local ports ${flow.localPorts.slice(0, 10).join(",") || "-"}`,
    );
  }
  lines.push(
    `    report: ${s(a.abuse.action, 300)}${a.abuse.contacts.length ? ` (${a.abuse.contacts.join(", ")})` : ""}`,
  );
  return lines;
}

export function renderAttackerIps(report: AttackerIpReport): string {
  const out = [
    `addresses that matter for ${report.instanceId}, ${report.window.start} .. ${report.window.end}`,
  ];
  for (const [name, src] of Object.entries(report.sources)) {
    out.push(
      `  ${name}: ${src.status}${src.status === "skipped" ? ` (${s(src.reason)})` : src.status === "failed" ? ` (${s(src.error, 300)})` : ""}`,
    );
  }
  if (report.sources.cloudtrail.status === "done" && report.sources.cloudtrail.summary.truncated) {
    out.push("  warning: CloudTrail lookup stopped at its page bound; narrow the window or raise maxPages");
  }
  for (const w of report.warnings) out.push(`  warning: ${s(w, 300)}`);
  if (!report.ipRanges) out.push("  note: no ip-ranges.json given, so AWS addresses are not marked");
  if (report.addresses.length === 0) out.push("no remote addresses found");
  for (const a of report.addresses) out.push(...addressLines(a));
  if (report.omitted)
    out.push(`... and ${report.omitted} more addresses with less evidence (see the case record)`);
  if (report.domains.length)
    out.push(`domains named by the finding: ${report.domains.map((d) => s(d)).join(", ")}`);
  return out.join("\n");
}

export function renderTimeline(timeline: ChangeTimeline): string {
  const out = [`changes to ${timeline.resources.map((r) => `${r.type} ${s(r.id)}`).join(", ")}`];
  for (const g of timeline.gaps) out.push(`  gap: ${s(g, 300)}`);
  for (const e of timeline.entries) {
    const who = e.who
      ? ` by ${s(e.who.arn ?? e.who.principal ?? "?")}${e.who.sourceIp ? ` from ${s(e.who.sourceIp)}` : ""}`
      : "";
    out.push(
      `${e.time}  ${e.source.padEnd(10)} ${s(e.resource.type)} ${s(e.resource.id)}: ${s(e.summary, 160)}${who}`,
    );
    for (const c of e.changes?.slice(0, 8) ?? [])
      out.push(
        `    ${s(c.path, 80)}: ${s(JSON.stringify(c.before) ?? "-", 60)} -> ${s(JSON.stringify(c.after) ?? "-", 60)}`,
      );
  }
  return out.join("\n");
}
