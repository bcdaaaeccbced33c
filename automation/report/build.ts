/**
 * `buildReport`: the case report from the journal (and the manifest, when it was read). Pure: the same
 * input gives the same report, so it is unit-tested without AWS and the renderers never touch the
 * journal's raw shapes.
 */
import { stepStates } from "../engine/runner";
import type { Json } from "../engine/types";
import type { Manifest } from "../evidence/manifest";
import { type JournalEntry, verifyChain } from "../journal/chain";
import type { CaseMeta } from "../journal/journal";
import { instanceSection, sourceSection } from "./case-sections";
import { timeToContain, timeToVerified } from "./figures";
import type { CaseReport } from "./model";
import { analysisSection, evidenceSection, recoverySection } from "./sections";
import { countSteps, summarisePhases, summariseSteps } from "./steps";
import { bound } from "./text";

export interface BuildInput {
  meta: CaseMeta;
  entries: JournalEntry[];
  manifest?: Manifest;
  /** Why the manifest is missing or not trusted (the loader's finding), shown with the evidence. */
  manifestNote?: string;
  /** @default now */
  generatedAt?: string;
}

export function buildReport(input: BuildInput): CaseReport {
  const { meta } = input;
  const entries = [...input.entries].sort((a, b) => a.seq - b.seq);
  const chain = verifyChain(entries);
  const records = new Map<string, Json | undefined>(
    [...stepStates(entries)].filter(([id]) => id !== "case").map(([id, s]) => [id, s.record]),
  );
  const steps = summariseSteps(entries);
  const openedAt = meta.createdAt;
  const evidence = evidenceSection(
    records,
    steps.some((s) => s.id === "manifest" && s.status === "verified"),
    input.manifest,
    input.manifestNote,
  );
  const released = entries.some((e) => e.stepId === "case" && e.event === "released");
  const terminated = steps.some((s) => s.id === "terminate" && s.status === "verified");
  const recovery = recoverySection(records);
  const instance = instanceSection(records.get("discover"));
  const source = sourceSection(meta.source);
  return {
    schema: "ir-case-report/1",
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    case: {
      caseId: meta.caseId,
      instanceId: meta.instanceId,
      region: meta.region,
      ...(meta.accountId ? { accountId: meta.accountId } : {}),
      ...(meta.operator ? { operator: bound(meta.operator, 500) } : {}),
      openedAt,
      state: terminated ? "terminated" : released ? "released" : "open",
      ...(source ? { source } : {}),
      options: meta.options,
      ...(instance ? { instance } : {}),
    },
    journal: {
      entries: entries.length,
      chainOk: chain.ok,
      ...(chain.problem ? { problem: chain.problem } : {}),
      ...(entries.length ? { head: entries.at(-1)!.hash } : {}),
    },
    phases: summarisePhases(steps),
    steps: steps.map((s) => (s.detail ? { ...s, detail: bound(s.detail) } : s)),
    figures: {
      timeToContain: timeToContain(openedAt, steps, entries),
      timeToEvidence: timeToVerified(openedAt, "manifest", steps, entries),
      timeToRecover: timeToVerified(openedAt, "recover-health", steps, entries),
      counts: {
        artefacts: evidence.artefacts.length,
        snapshots: evidence.snapshots.length,
        steps: countSteps(steps),
      },
    },
    evidence,
    analysis: analysisSection(records),
    ...(recovery ? { recovery } : {}),
  };
}
