/**
 * The timeline picture of `report.html`: one row per phase (a bar from its first to its last journal
 * entry, a mark per step, or "not run"), and the three figures as vertical lines. Time runs from the
 * case opening on a logarithmic axis: containment takes seconds and recovery hours, and both must be
 * readable in the same picture.
 */
import { humanDuration } from "./figures";
import type { CaseReport, ReportStep } from "./model";
import { html } from "./text";

const WIDTH = 960;
const LABEL = 120;
const RIGHT = 30;
const ROW = 30;
/** Room above the rows for the figures' labels, one line each. */
const TOP = 48;
/** The axis' unit: 100 ms, so sub-second steps still get their own place. */
const UNIT_MS = 100;
const TICKS: [number, string][] = [
  [1_000, "1 s"],
  [10_000, "10 s"],
  [60_000, "1 min"],
  [600_000, "10 min"],
  [3_600_000, "1 h"],
  [21_600_000, "6 h"],
  [86_400_000, "1 d"],
  [604_800_000, "7 d"],
];

export function timelineSvg(r: CaseReport): string {
  const opened = Date.parse(r.case.openedAt);
  const since = (at: string) => Math.max(0, Date.parse(at) - opened) || 0;
  const ends = r.steps.map((s) => since(s.endedAt));
  const span = Math.max(2_000, ...ends);
  const plot = WIDTH - LABEL - RIGHT;
  const x = (ms: number) => LABEL + (plot * Math.log10(1 + ms / UNIT_MS)) / Math.log10(1 + span / UNIT_MS);
  const height = TOP + ROW * r.phases.length + 40;
  const out: string[] = [
    `<svg class="timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="timeline of the case's phases">`,
  ];
  const axisY = TOP + ROW * r.phases.length + 6;
  out.push(`<line class="axis" x1="${LABEL}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}"/>`);
  for (const [ms, label] of [[0, "opened"] as [number, string], ...TICKS.filter(([ms]) => ms <= span)]) {
    const tx = x(ms).toFixed(1);
    out.push(
      `<line class="tick" x1="${tx}" y1="${TOP - 4}" x2="${tx}" y2="${axisY + 4}"/>`,
      `<text class="tick-label" x="${tx}" y="${axisY + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  // The axis' end, labelled unless a tick sits close by.
  const last = TICKS.filter(([ms]) => ms <= span).at(-1)?.[0] ?? 0;
  if (x(span) - x(last) > 60) {
    out.push(
      `<text class="tick-label" x="${x(span).toFixed(1)}" y="${axisY + 18}" text-anchor="end">${humanDuration(span)}</text>`,
    );
  }
  r.phases.forEach((p, i) => {
    const y = TOP + i * ROW;
    out.push(`<g class="phase" data-phase="${p.phase}" data-status="${html(p.status)}">`);
    out.push(`<text class="phase-label" x="8" y="${y + ROW / 2 + 4}">${p.phase}</text>`);
    if (!p.startedAt || !p.endedAt) {
      out.push(`<text class="not-run" x="${LABEL + 6}" y="${y + ROW / 2 + 4}">not run</text></g>`);
      return;
    }
    const x1 = x(since(p.startedAt));
    const x2 = Math.max(x(since(p.endedAt)), x1 + 3);
    const status = p.status.replace(" ", "-");
    out.push(
      `<rect class="phase-bar status-${status}" x="${x1.toFixed(1)}" y="${y + 6}" width="${(x2 - x1).toFixed(1)}" height="${ROW - 12}" rx="3"><title>${p.phase}: ${p.status}, ${p.steps.length} step(s), ${humanDuration(p.durationMs ?? 0)}</title></rect>`,
    );
    for (const s of r.steps.filter((st) => st.phase === p.phase))
      out.push(stepMark(s, x(since(s.endedAt)), y));
    out.push("</g>");
  });
  const f = r.figures;
  const figures = [
    ["contained", f.timeToContain],
    ["evidence", f.timeToEvidence],
    ["recovered", f.timeToRecover],
  ] as const;
  figures.forEach(([name, fig], i) => {
    if (fig.ms === null) return;
    const fx = x(fig.ms);
    const ty = 12 + i * 12;
    // Labels near the right edge end at their line, so they are not cut off.
    const anchor = fx > WIDTH - RIGHT - 90 ? "end" : "middle";
    out.push(
      `<g class="figure-mark" data-figure="${name}"><line x1="${fx.toFixed(1)}" y1="${ty + 2}" x2="${fx.toFixed(1)}" y2="${axisY}"/><text x="${fx.toFixed(1)}" y="${ty}" text-anchor="${anchor}">${name} ${html(fig.human, 40)}</text></g>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

function stepMark(s: ReportStep, sx: number, y: number): string {
  const bad = ["failed", "unverified", "blocked", "refused"].includes(s.status);
  const title = `${html(s.id, 100)}: ${s.status}${s.detail ? ` (${html(s.detail, 200)})` : ""}`;
  return `<line class="step-mark${bad ? " bad" : ""}" x1="${sx.toFixed(1)}" y1="${y + 4}" x2="${sx.toFixed(1)}" y2="${y + ROW - 4}"><title>${title}</title></line>`;
}
