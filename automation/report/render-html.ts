/**
 * `report.html`: one self-contained page (inline CSS, inline SVG timeline, no script, no external URL)
 * that opens from a ticket attachment or an evidence share. Every value goes through `html`; the page's
 * Content-Security-Policy forbids scripts and remote loads too, should an escaping bug ever slip by.
 */
import { caseFacts, stepCounts } from "./case-facts";
import { humanDuration } from "./figures";
import { type CaseReport, extraAttempts, type Figure } from "./model";
import { html } from "./text";
import { timelineSvg } from "./timeline-svg";

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d5d9e0;padding-bottom:4px;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{border:1px solid #d5d9e0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f1f3f7}td{overflow-wrap:anywhere}td.nowrap{white-space:nowrap;overflow-wrap:normal}.digest{font-family:ui-monospace,monospace;font-size:12px}
.figures{display:flex;gap:12px;flex-wrap:wrap}.figure{border:1px solid #d5d9e0;border-radius:6px;padding:8px 12px;min-width:180px}
.figure b{display:block;font-size:20px}.none{color:#6b7280;font-style:italic}.bad{color:#b91c1c;font-weight:600}
svg.timeline{max-width:100%;height:auto;font-size:12px}.axis,.tick{stroke:#9aa3b2}.tick{stroke-dasharray:2 3}
.tick-label,.not-run{fill:#6b7280}.phase-label{fill:#1d2330;font-weight:600}
.phase-bar{fill:#93c5fd}.status-complete{fill:#86efac}.status-incomplete{fill:#fca5a5}.status-in-progress{fill:#fde68a}
.step-mark{stroke:#1f2937;stroke-width:1.5}.step-mark.bad{stroke:#b91c1c;stroke-width:2.5}
.figure-mark line{stroke:#7c3aed;stroke-dasharray:4 3}.figure-mark text{fill:#7c3aed}
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'";

const td = (v: unknown, max?: number) => `<td>${html(v, max)}</td>`;
const digest = (v: string) => `<td class="digest">${html(v, 130)}</td>`;

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="none">none</p>`;
  const th = head.map((h) => `<th>${h}</th>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join("")}</tr>`).join("")}</tbody></table>`;
}

const figure = (name: string, f: Figure) =>
  `<div class="figure">${name}<b${f.ms === null ? ' class="none"' : ""}>${html(f.ms === null ? "not reached" : f.human, 60)}</b>${html(f.ms === null ? f.human.replace(/^not reached: /, "") : `${f.ms} ms`, 300)}</div>`;

export function renderHtml(r: CaseReport): string {
  const c = r.case;
  const opened = Date.parse(c.openedAt);
  const sinceOpened = (at: string) => {
    const ms = Date.parse(at) - opened;
    return Number.isFinite(ms) ? `+${humanDuration(Math.max(0, ms))}` : html(at, 40);
  };
  const facts = caseFacts(r);
  const chain = r.journal.chainOk
    ? `${r.journal.entries} entries, hash chain intact`
    : `<span class="bad">hash chain BROKEN: ${html(r.journal.problem, 300)}</span>`;
  const f = r.figures;
  const counts = stepCounts(r);
  const body = [
    `<h1>Case ${html(c.caseId, 100)}: instance ${html(c.instanceId, 100)}</h1>`,
    table(
      ["fact", "value"],
      [
        ...facts.filter(([, v]) => v !== undefined).map(([k, v]) => [`<th>${k}</th>`, td(v, 500)]),
        [`<th>journal</th>`, `<td>${chain}</td>`],
      ],
    ),
    `<h2>Figures</h2><div class="figures">${figure("time to contain", f.timeToContain)}${figure("time to evidence", f.timeToEvidence)}${figure("time to recover", f.timeToRecover)}<div class="figure">evidence<b>${f.counts.artefacts} artefact(s)</b>${f.counts.snapshots} snapshot(s)</div><div class="figure">steps<b>${r.steps.length}</b>${html(counts || "none")}</div></div>`,
    `<h2>Timeline</h2>`,
    timelineSvg(r),
    table(
      ["phase", "status", "started", "ended", "took", "steps"],
      r.phases.map((p) => [
        `<td>${p.phase}</td>`,
        td(p.status),
        td(p.startedAt ?? ""),
        td(p.endedAt ?? ""),
        td(p.durationMs === undefined ? "" : humanDuration(p.durationMs)),
        td(p.steps.length),
      ]),
    ),
    `<h2>Steps</h2>`,
    table(
      ["step", "phase", "status", "started (after opening)", "took", "detail"],
      r.steps.map((s) => [
        `<td class="nowrap">${html(s.id, 100)}</td>`,
        `<td class="nowrap">${s.phase}</td>`,
        `<td class="nowrap${["verified", "skipped"].includes(s.status) ? "" : " bad"}">${html(s.status)}${extraAttempts(s) ? ` (${html(extraAttempts(s)!)})` : ""}</td>`,
        `<td class="nowrap" title="${html(s.startedAt, 40)}">${sinceOpened(s.startedAt)}</td>`,
        `<td class="nowrap">${humanDuration(s.durationMs)}</td>`,
        td(s.detail ?? "", 500),
      ]),
    ),
    evidence(r),
    analysis(r),
    recovery(r),
    c.instance?.tags.length
      ? `<h2>Instance tags</h2>${table(
          ["key", "value"],
          c.instance.tags.map((t) => [td(t.key, 100), td(t.value)]),
        )}`
      : "",
    `<p class="none">Generated ${html(r.generatedAt)} by ir report (${r.schema}).</p>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>Case ${html(c.caseId, 100)}</title>
<style>${CSS}</style></head>
<body>
${body.join("\n")}
</body></html>
`;
}

function evidence(r: CaseReport): string {
  const e = r.evidence;
  const lines: string[] = [`<h2>Evidence</h2><ul>`];
  if (e.manifest) {
    lines.push(
      `<li>manifest ${html(e.manifest.key)} ${e.manifest.verified ? "(verified)" : '<span class="bad">(NOT verified)</span>'}, SHA-256 <span class="digest">${html(e.manifest.sha256, 130)}</span></li>`,
    );
  }
  lines.push(`<li>listed from the ${e.source}</li>`);
  if (e.note) lines.push(`<li class="bad">${html(e.note, 500)}</li>`);
  if (e.memory)
    lines.push(
      `<li>memory: ${html(e.memory.status)}${e.memory.reason ? `: ${html(e.memory.reason)}` : ""}</li>`,
    );
  lines.push("</ul><h3>Snapshots</h3>");
  lines.push(
    table(
      ["snapshot", "volume"],
      e.snapshots.map((s) => [td(s.snapshotId, 100), td(s.volumeId, 100)]),
    ),
  );
  lines.push("<h3>Artefacts</h3>");
  lines.push(
    table(
      ["name", "key", "bytes", "SHA-256"],
      e.artefacts.map((a) => [td(a.name, 200), td(a.key), td(a.size), digest(a.sha256)]),
    ),
  );
  return lines.join("\n");
}

/** Contacts are text, our own AWS abuse addresses included: the page references nothing outside itself. */
const contact = (v: string) => html(v, 200);

function analysis(r: CaseReport): string {
  const a = r.analysis;
  if (!a.attackerIps && !a.changeHistory) return `<h2>Analysis</h2><p class="none">not run</p>`;
  const out = ["<h2>Analysis</h2>"];
  if (a.attackerIps) {
    const ips = a.attackerIps;
    out.push("<h3>Attacker addresses</h3>");
    if (ips.window) out.push(`<p>Window: ${html(ips.window.start)} to ${html(ips.window.end)}</p>`);
    out.push(
      table(
        ["address", "scope", "sources", "first seen", "last seen", "credential events", "what to do"],
        ips.addresses.map((x) => [
          td(x.address, 100),
          td(x.scope, 40),
          td(x.sources.join(", "), 100),
          td(x.firstSeen ?? ""),
          td(x.lastSeen ?? ""),
          td(x.credentialEvents ?? ""),
          `<td>${html(x.action ?? "")}${x.contacts.length ? ` (${x.contacts.map(contact).join(", ")})` : ""}</td>`,
        ]),
      ),
    );
    if (ips.omitted) out.push(`<p>${ips.omitted} more address(es) left out.</p>`);
    const notes = [
      ...ips.sources.map(
        (s) =>
          `source ${html(s.source, 40)}: ${html(s.status, 40)}${s.reason ? `: ${html(s.reason, 500)}` : ""}`,
      ),
      ...ips.domains.map((d) => `domain: ${html(d)}`),
      ...ips.warnings.map((w) => `warning: ${html(w, 500)}`),
    ];
    if (notes.length) out.push(`<ul>${notes.map((n) => `<li>${n}</li>`).join("")}</ul>`);
  }
  if (a.changeHistory) {
    const h = a.changeHistory;
    out.push("<h3>Change history</h3>");
    out.push(
      table(
        ["time", "source", "resource", "change", "who", "from"],
        h.entries.map((x) => [
          td(x.time),
          td(x.source, 40),
          td(x.resource, 200),
          td(`${x.summary}${x.errorCode ? ` (${x.errorCode})` : ""}`),
          td(x.who ?? ""),
          td(x.sourceIp ?? "", 100),
        ]),
      ),
    );
    if (h.omitted) out.push(`<p>${h.omitted} more change(s) left out.</p>`);
    if (h.gaps.length) out.push(`<ul>${h.gaps.map((g) => `<li>gap: ${html(g, 500)}</li>`).join("")}</ul>`);
  }
  return out.join("\n");
}

function recovery(r: CaseReport): string {
  const rec = r.recovery;
  if (!rec) return `<h2>Recovery</h2><p class="none">not run</p>`;
  const ami = rec.ami
    ? `<p>image ${html(rec.ami.imageId, 100)}${rec.ami.parameter ? ` from ${html(rec.ami.parameter)}${rec.ami.version === undefined ? "" : ` version ${rec.ami.version}`}` : ""}${rec.ami.publishedAt ? `, published ${html(rec.ami.publishedAt)}` : ""}${rec.ami.reason ? `: ${html(rec.ami.reason, 500)}` : ""}</p>`
    : "";
  return `<h2>Recovery</h2>${ami}${table(
    ["target group", "healthy", "expected"],
    rec.health.map((h) => [td(h.targetGroupArn, 500), td(h.healthy), td(h.expected)]),
  )}`;
}
