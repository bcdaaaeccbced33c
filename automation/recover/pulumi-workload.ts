/**
 * Recovery through the workload's own Pulumi stack (`ir recover --via pulumi`): pin the known-good AMI
 * in the stack's config, refresh, then `up` with the output streamed. The Automation API sits behind
 * the small `WorkloadStacks` interface so unit tests use a fake and only one test needs the real CLI.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  type Stack,
  StackNotFoundError,
} from "@pulumi/pulumi/automation";

export interface WorkloadStack {
  setConfig(key: string, value: string): Promise<void>;
  refresh(onOutput: (line: string) => void): Promise<void>;
  up(onOutput: (line: string) => void): Promise<{ outputs: Record<string, unknown>; result: string }>;
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
  onOutput?: (line: string) => void;
}

export interface RebuildResult {
  outputs: Record<string, unknown>;
  result: string;
}

/** Runs the rebuild; every Automation API failure comes back as an error that says what to do. */
export async function rebuildWithPulumi(stacks: WorkloadStacks, r: RebuildRequest): Promise<RebuildResult> {
  if (!existsSync(join(r.workDir, "Pulumi.yaml")))
    throw new Error(`--workdir "${r.workDir}" has no Pulumi.yaml: point it at the workload's Pulumi project`);
  if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(r.amiId))
    throw new Error(`AMI id "${r.amiId}" is not valid: expected ami- followed by 8 or 17 hex digits`);
  const out = r.onOutput ?? (() => {});
  try {
    const stack = await stacks.select(r.workDir, r.stackName);
    await stack.setConfig(r.amiConfigKey, r.amiId);
    // Refresh first: the compromised instance was changed outside Pulumi (detached, isolated...).
    await stack.refresh(out);
    return await stack.up(out);
  } catch (e) {
    throw explainAutomationError(e, r);
  }
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
      refresh: async (onOutput) => {
        await stack.refresh({ onOutput, color: "never" });
      },
      up: async (onOutput) => {
        const res = await stack.up({ onOutput, color: "never" });
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
