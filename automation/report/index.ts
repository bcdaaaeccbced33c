/** Case reports: `report.json`, `report.md` and `report.html` from a case's journal and manifest. */
export { type BuildInput, buildReport } from "./build";
export { humanDuration } from "./figures";
export { type LoadRequest, loadCaseReport } from "./load";
export * from "./model";
export { renderHtml } from "./render-html";
export { renderJson } from "./render-json";
export { renderMarkdown } from "./render-markdown";
export { REPORT_FORMATS, type ReportFormat, writeReportFiles, writeReports } from "./write";
