/**
 * Recovery through the workload's own Pulumi stack (`ir recover --via pulumi`): pin the known-good AMI
 * in the stack's config, preview, refuse unless only the AMI-dependent resources change
 * (pulumi-preview.ts), then `up` targeting exactly those, with the output streamed. Never a refresh: the
 * stack's state still holds what it deployed, and a refresh would adopt what containment changed into
 * it only for the next `up` to put it back (groups, profile, target registration). A project that
 * refreshes on every operation (`options: refresh: always` in Pulumi.yaml) is refused for that reason.
 * The Automation API sits behind the small `WorkloadStacks` interface so unit tests use a fake and only
 * one test needs the real CLI.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  type EngineEvent,
  LocalWorkspace,
  type Stack,
  StackNotFoundError,
  type StepEventMetadata,
} from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import {
  type ContainedInstance,
  describeRefusal,
  judgePreview,
  type PreviewStep,
  UNKNOWN,
} from "./pulumi-preview";

export interface WorkloadStack {
  setConfig(key: string, value: string): Promise<void>;
  /** A preview without refresh: the steps an update would take. */
  preview(onOutput: (line: string) => void): Promise<PreviewStep[]>;
  /** An update of exactly these resources (never a refresh). */
  up(
    onOutput: (line: string) => void,
    targets: string[],
  ): Promise<{ outputs: Record<string, unknown>; result: string }>;
}

export interface WorkloadStacks {
  /** Opens an EXISTING stack: recovery never creates one (a new stack would build a second workload). */
  select(workDir: string, stackName: string): Promise<WorkloadStack>;
}

export interface RebuildRequest {
  workDir: string;
  stackName: string;
  /** Config key of the AMI in the workload's program, e.g. "web:amiId". */
  amiConfigKey: string;
  amiId: string;
  /** What names the contained instance: the preview must not change any of it. */
  contained: ContainedInstance;
  onOutput?: (line: string) => void;
}

export interface RebuildResult {
  outputs: Record<string, unknown>;
  /** "succeeded" (or what `up` ended with), or "unchanged" when nothing depends on the AMI. */
  result: string;
  /** The resources `up` targeted. */
  targets: string[];
}

/** A refusal on the merits (the preview changes more than the AMI): not an Automation API failure. */
export class PreviewRefusedError extends Error {
  override name = "PreviewRefusedError";
}

/** The project file's `options.refresh` ("always" makes every preview and update refresh first). */
function refreshesAlways(workDir: string): boolean {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(workDir, f)).find((f) => existsSync(f));
  const project = file
    ? (parse(readFileSync(file, "utf8")) as { options?: { refresh?: unknown } } | null)
    : null;
  return String(project?.options?.refresh ?? "") === "always";
}

/** Runs the rebuild; every Automation API failure comes back as an error that says what to do. */
export async function rebuildWithPulumi(stacks: WorkloadStacks, r: RebuildRequest): Promise<RebuildResult> {
  if (!existsSync(join(r.workDir, "Pulumi.yaml")))
    throw new Error(`--workdir "${r.workDir}" has no Pulumi.yaml: point it at the workload's Pulumi project`);
  if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(r.amiId))
    throw new Error(`AMI id "${r.amiId}" is not valid: expected ami- followed by 8 or 17 hex digits`);
  if (refreshesAlways(r.workDir))
    throw new PreviewRefusedError(
      `${r.workDir}/Pulumi.yaml sets options.refresh: always, so every preview and update of stack "${r.stackName}" refreshes first: the refresh adopts what containment changed on ${r.contained.instanceId} and the update puts it back. Remove that option while the case is open (or recover with --via asg), then run ir recover again`,
    );
  const out = r.onOutput ?? (() => {});
  const where = `stack "${r.stackName}" in ${r.workDir}`;
  try {
    const stack = await stacks.select(r.workDir, r.stackName);
    await stack.setConfig(r.amiConfigKey, r.amiId);
    const verdict = judgePreview(await stack.preview(out), r.contained, r.amiId);
    if (verdict.refused.length > 0)
      throw new PreviewRefusedError(describeRefusal(where, r.workDir, verdict, r.contained));
    // Nothing depends on the AMI: an untargeted `up` would deploy everything else, so none at all.
    if (verdict.targets.length === 0) return { outputs: {}, result: "unchanged", targets: [] };
    const res = await stack.up(out, verdict.targets);
    return { ...res, targets: verdict.targets };
  } catch (e) {
    throw e instanceof PreviewRefusedError ? e : explainAutomationError(e, r);
  }
}

/** Top-level property of a diff path ("vpcSecurityGroupIds[0]" → "vpcSecurityGroupIds"). */
const topLevel = (path: string) => path.split(/[.[]/)[0]!;

const hasUnknown = (v: unknown): boolean =>
  v === UNKNOWN ||
  (Array.isArray(v)
    ? v.some(hasUnknown)
    : !!v && typeof v === "object" && Object.values(v as Record<string, unknown>).some(hasUnknown));

/** One preview step from the engine's event (StepEventMetadata). */
export function previewStepOf(m: StepEventMetadata): PreviewStep {
  const inputs = (m.new?.inputs ?? undefined) as Record<string, unknown> | undefined;
  const changed = [
    ...new Set([...(m.diffs ?? []), ...(m.keys ?? []), ...Object.keys(m.detailedDiff ?? {})].map(topLevel)),
  ];
  const old = m.old ? { ...(m.old.inputs ?? {}), ...(m.old.outputs ?? {}) } : undefined;
  return {
    urn: m.urn,
    type: m.type,
    op: m.op,
    changed,
    unknown: changed.filter((p) => hasUnknown(inputs?.[p])),
    ...(m.old?.id ? { id: m.old.id } : {}),
    ...(inputs ? { inputs } : {}),
    ...(old ? { old } : {}),
  };
}

/** Maps Automation API errors to messages that name the stack and the fix. */
export function explainAutomationError(e: unknown, r: Pick<RebuildRequest, "workDir" | "stackName">): Error {
  const where = `stack "${r.stackName}" in ${r.workDir}`;
  if (e instanceof ConcurrentUpdateError)
    return new Error(
      `${where} is locked by another update: wait for it to finish, or if it crashed run \`pulumi cancel --stack ${r.stackName}\` (and \`pulumi stack export | pulumi stack import\` if the lock remains), then run ir recover again`,
    );
  if (e instanceof StackNotFoundError)
    return new Error(
      `${where} does not exist: check --stack (\`pulumi stack ls\` in the workdir) and the backend you are logged in to (PULUMI_BACKEND_URL)`,
    );
  if ((e as NodeJS.ErrnoException)?.code === "ENOENT" || /pulumi.*(not found|ENOENT)/i.test(String(e)))
    return new Error(
      `the pulumi CLI was not found on PATH: install it (https://www.pulumi.com/docs/install/) or use --via asg`,
    );
  if (e instanceof CommandError)
    return new Error(`pulumi failed on ${where}: ${e.message.split("\n").slice(0, 20).join("\n")}`);
  return e instanceof Error ? e : new Error(String(e));
}

/** The real implementation on LocalWorkspace (local or cloud backend, as the environment says). */
export class LocalWorkloadStacks implements WorkloadStacks {
  async select(workDir: string, stackName: string): Promise<WorkloadStack> {
    const stack: Stack = await LocalWorkspace.selectStack({ workDir, stackName });
    return {
      setConfig: (key, value) => stack.setConfig(key, { value }),
      preview: async (onOutput) => {
        const steps: PreviewStep[] = [];
        const onEvent = (e: EngineEvent) => {
          if (e.resourcePreEvent) steps.push(previewStepOf(e.resourcePreEvent.metadata));
        };
        await stack.preview({ onOutput, onEvent, color: "never", diff: true });
        return steps;
      },
      up: async (onOutput, target) => {
        const res = await stack.up({ onOutput, color: "never", target });
        return {
          outputs: Object.fromEntries(
            Object.entries(res.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
          ),
          result: res.summary.result,
        };
      },
    };
  }
}
