/** Writes a case's reports to a directory: `report.json`, `report.md`, `report.html`. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CaseReport } from "./model";
import { renderHtml } from "./render-html";
import { renderJson } from "./render-json";
import { renderMarkdown } from "./render-markdown";

export type ReportFormat = "json" | "md" | "html";
export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "md", "html"];

const FILES: Record<ReportFormat, { name: string; render: (r: CaseReport) => string }> = {
  json: { name: "report.json", render: renderJson },
  md: { name: "report.md", render: renderMarkdown },
  html: { name: "report.html", render: renderHtml },
};

/** Writes the chosen formats (creating `dir`); resolves with each written file's path. */
export async function writeReportFiles(
  r: CaseReport,
  dir: string,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
): Promise<Partial<Record<ReportFormat, string>>> {
  await mkdir(dir, { recursive: true });
  const out: Partial<Record<ReportFormat, string>> = {};
  for (const f of formats) {
    const path = join(dir, FILES[f].name);
    await writeFile(path, FILES[f].render(r), "utf8");
    out[f] = path;
  }
  return out;
}

export async function writeReports(
  r: CaseReport,
  dir: string,
): Promise<{ json: string; markdown: string; html: string }> {
  const paths = await writeReportFiles(r, dir);
  return { json: paths.json!, markdown: paths.md!, html: paths.html! };
}
