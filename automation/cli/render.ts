/**
 * Terminal output: progress on a TTY (a live line per case, a line per finished step), plain lines
 * otherwise, always on stderr so stdout carries only the result (text summary or --json). Every string
 * that came from AWS or a finding goes through `safe` (no control characters, bounded length).
 */
import type { EngineEvent, StepReport } from "../engine/types";

/** Bounds a string's length, saying how much was cut (an attacker-sized value must not flood output). */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}... (${s.length - max} more characters)` : s;
}

/** Strips control characters (ANSI escapes included) and bounds the length. */
export function safe(value: unknown, max = 500): string {
  const s = String(value ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?")
    // A line break from an attacker-controlled string would forge a line of our output: show it instead.
    .replace(/\r?\n/g, "\\n");
  return clip(s, max);
}

const useColor = (stream: NodeJS.WriteStream) => stream.isTTY && !process.env.NO_COLOR;
const paint = (stream: NodeJS.WriteStream, code: number, text: string) =>
  useColor(stream) ? `\u001b[${code}m${text}\u001b[0m` : text;

const MARK: Record<string, [string, number]> = {
  verified: ["ok  ", 32],
  skipped: ["skip", 33],
  failed: ["FAIL", 31],
  unverified: ["FAIL", 31],
  blocked: ["BLKD", 31],
  refused: ["RFSD", 31],
  planned: ["plan", 36],
  pending: ["... ", 0],
};

export function stepLine(stream: NodeJS.WriteStream, r: StepReport, prefix = ""): string {
  const [mark, color] = MARK[r.status] ?? ["?   ", 0];
  const took =
    r.startedAt && r.endedAt ? ` ${Math.max(0, Date.parse(r.endedAt) - Date.parse(r.startedAt))} ms` : "";
  const detail = r.detail ? `: ${safe(r.detail, 300)}` : "";
  return `${prefix}${paint(stream, color, mark)} ${r.id}${paint(stream, 2, took)}${r.resumed ? " (earlier run)" : ""}${detail}`;
}

/** Progress renderer: returns the observer to pass to the engine and a function to stop it. */
export function progress(stream: NodeJS.WriteStream = process.stderr, quiet = false) {
  const running = new Map<string, Set<string>>();
  const tty = Boolean(stream.isTTY);
  let status = "";
  const clear = () => {
    if (tty && status) stream.write("\r\u001b[2K");
  };
  const draw = () => {
    if (!tty) return;
    const parts = [...running].map(([c, s]) => `${c}: ${[...s].join(", ")}`).filter((p) => !p.endsWith(": "));
    status = parts.length ? safe(`... ${parts.join(" | ")}`, (stream.columns ?? 100) - 1) : "";
    if (status) stream.write(`\r\u001b[2K${paint(stream, 2, status)}`);
  };
  const observe = (e: EngineEvent) => {
    if (quiet) return;
    const set = running.get(e.caseId) ?? new Set<string>();
    running.set(e.caseId, set);
    if (e.type === "step-started") set.add(e.stepId);
    if (e.type === "step-finished") {
      set.delete(e.stepId);
      clear();
      stream.write(`${stepLine(stream, e.report, `${e.caseId} `)}\n`);
    }
    draw();
  };
  return { observe, stop: clear };
}
