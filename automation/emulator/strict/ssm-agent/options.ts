/**
 * Settings of the simulated SSM agent, shared by every layer in the process: how long a new instance
 * takes to register (AWS: 30 s to minutes; the tests want 0, the game day a few seconds), and where the
 * per-instance sandboxes that stand for the hosts live.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SsmAgentOptions {
  /** From the agent's credentials to its first successful registration, ms. @default 0 */
  registrationDelayMs: number;
  /** Parent of the per-instance sandbox directories. @default <tmpdir>/ir-ssm-agent-<pid> */
  sandboxRoot: string;
  /** Extra directories put first on the scripts' PATH (fake host tools), if any. @default [] */
  extraPath: readonly string[];
}

const DEFAULTS: SsmAgentOptions = {
  registrationDelayMs: 0,
  sandboxRoot: join(tmpdir(), `ir-ssm-agent-${process.pid}`),
  extraPath: [],
};

let current: SsmAgentOptions = { ...DEFAULTS };

export function ssmAgentOptions(): SsmAgentOptions {
  return current;
}

/** Changes some settings; returns the previous ones (a test puts them back). */
export function setSsmAgentOptions(change: Partial<SsmAgentOptions>): SsmAgentOptions {
  const previous = current;
  current = { ...current, ...change };
  return previous;
}

/** The directory that stands for the host: the scripts' working directory and HOME. */
export function sandboxOf(instanceId: string): string {
  if (!/^[a-z0-9-]+$/i.test(instanceId)) throw new Error(`not an instance id: ${instanceId}`);
  return join(current.sandboxRoot, instanceId);
}
