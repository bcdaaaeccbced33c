/**
 * The doctor's report for a person: the verdict, one line per check (what to fix under each warning
 * and failure), one line per running instance, and the score. Every string that came from AWS goes
 * through `safe` (no control characters, bounded length).
 */
import { safe } from "../cli/render";
import type { DoctorReport, InstanceReadiness, Share } from "./types";

const MARK = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;
const yes = (b: boolean) => (b ? "yes" : "NO");
const pct = (s: Share) => `${s.count}/${s.of} (${s.percent}%)`;

function instanceLines(i: InstanceReadiness): string[] {
  const head = [
    i.instanceId.padEnd(20),
    (i.vpcId ?? "-").padEnd(22),
    i.instanceType.padEnd(11),
    (i.hypervisor ?? "?").padEnd(6),
    safe(i.ssm, 16).padEnd(15),
    (i.instanceProfile ? "yes" : "NO").padEnd(8),
    yes(i.containable).padEnd(8),
    yes(i.capturable).padEnd(8),
    yes(i.preservable),
  ].join(" ");
  const why = (["containable", "capturable", "preservable"] as const).flatMap((k) =>
    i.why[k].map((w) => `    not ${k}: ${safe(w, 300)}`),
  );
  const xen =
    i.hypervisor === "xen"
      ? ["    note: Xen: connection-tracking timeouts cannot be shortened (best effort skipped)"]
      : [];
  return [head, ...why, ...xen];
}

export function renderReport(r: DoctorReport): string[] {
  const lines = [
    `ir doctor: account ${r.accountId}, ${r.region}, as ${safe(r.caller)}`,
    `responder role ${safe(r.responderRoleArn)}: ${r.ready ? "READY" : "NOT READY"}`,
    "",
  ];
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]} ${c.area.padEnd(17)} ${safe(c.item, 120)}: ${safe(c.detail, 600)}`);
    if (c.fix && c.status !== "ok") lines.push(`     fix: ${safe(c.fix, 400)}`);
  }
  lines.push("", `running instances: ${r.instances.length}`);
  if (r.instances.length > 0) {
    lines.push(
      [
        "instance".padEnd(20),
        "vpc".padEnd(22),
        "type".padEnd(11),
        "hyper".padEnd(6),
        "ssm".padEnd(15),
        "profile".padEnd(8),
        "contain".padEnd(8),
        "capture".padEnd(8),
        "preserve",
      ].join(" "),
    );
    for (const i of r.instances) lines.push(...instanceLines(i));
  }
  const s = r.score;
  lines.push(
    "",
    `score: containable ${pct(s.containable)}, capturable ${pct(s.capturable)}, preservable ${pct(s.preservable)}; all three ${pct(s.all)}`,
  );
  return lines;
}
