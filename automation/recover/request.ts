/** Checks of a recover request and what it defaults from the case (nothing here calls AWS). */
import { InputError } from "../input/targets";
import type { JournalEntry } from "../journal/chain";
import type { RecoverRequest } from "./recover";
import { AMI_ID } from "./select-ami-step";

function parseBefore(value: string): Date {
  const d = new Date(value);
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ||
    Number.isNaN(d.getTime())
  )
    throw new InputError(
      `--before "${value}" is not valid: expected an ISO-8601 time with a zone, e.g. 2026-11-28T14:03:00Z`,
    );
  return d;
}

export function checkRequest(req: RecoverRequest) {
  if (req.via !== "asg" && req.via !== "pulumi")
    throw new InputError(`--via "${String(req.via)}" is not valid: expected asg or pulumi`);
  if (req.via === "pulumi") {
    const p = req.pulumi;
    const missing = (["workDir", "stackName", "amiConfigKey"] as const).filter((k) => !p?.[k]);
    if (missing.length > 0)
      throw new InputError(
        `--via pulumi needs ${missing.map((k) => ({ workDir: "--workdir", stackName: "--stack", amiConfigKey: "--ami-config-key" })[k]).join(", ")}: the workload's Pulumi project directory, its stack and the config key of its AMI`,
      );
  }
  if (req.ami !== undefined && !AMI_ID.test(req.ami))
    throw new InputError(`--ami "${req.ami}" is not valid: expected ami- followed by 8 or 17 hex digits`);
  const timeout = req.healthTimeoutMs ?? 600_000;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new InputError(`health timeout ${timeout} ms is not valid: expected a positive number of seconds`);
  if ((req.terminate ?? "ask") === "ask" && !req.confirm && !req.dryRun)
    throw new InputError('terminate "ask" needs a confirm function: pass --yes, or --no-terminate');
}

/** Where the compromise began: --before, else the finding's first sighting, else the case's opening. */
export function compromiseStart(req: RecoverRequest, source: unknown, createdAt: string) {
  if (req.before) return { before: parseBefore(req.before), beforeSource: "--before" };
  const firstSeen = (source as { firstSeen?: string } | undefined)?.firstSeen;
  if (firstSeen && !Number.isNaN(new Date(firstSeen).getTime()))
    return { before: new Date(firstSeen), beforeSource: "the finding's first sighting" };
  return { before: new Date(createdAt), beforeSource: "the case's opening (no finding time: pass --before)" };
}

/** The termination decision is made by every run: an earlier skip (--no-terminate, a "no") is forgotten. */
export function forgetSkippedTermination(entries: JournalEntry[]): JournalEntry[] {
  const last = entries.filter((e) => e.stepId === "terminate").at(-1);
  const skipped = entries.some((e) => e.stepId === "terminate" && e.event === "skipped");
  return skipped && last?.event !== "failed" ? entries.filter((e) => e.stepId !== "terminate") : entries;
}
