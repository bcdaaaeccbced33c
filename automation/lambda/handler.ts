/**
 * The auto-containment Lambda function: EventBridge delivers GuardDuty findings (or Security Hub
 * imported findings) at or above the threshold; in `approve` mode it publishes an approval request with
 * the exact `ir respond` command and changes nothing; in `contain` mode it runs the same `respond()` the
 * CLI runs (as `--yes`) and publishes the outcome. It answers a bad event with a result that says why,
 * and throws only when a retry can help (AWS errors, a run cut short by the function's timeout), so
 * Lambda retries and then the dead-letter queue keeps the event. A redelivered event finds the
 * instance's case in the journal (busy or already contained) and acts nothing twice.
 */
import { AwsClients } from "../aws/clients";
import { newRunId } from "../case/ids";
import { withTimeout } from "../engine/timeout";
import type { Target } from "../input/targets";
import type { Journals } from "../journal/open";
import { type CaseResult, respond } from "../respond/respond";
import { jsonLogger, type Logger, logEngineEvent } from "./log";
import { type AutoContainConfig, readAutoContainConfig } from "./mode";
import { approvalRequest, containmentOutcome, publish } from "./notify";
import { homeJournals, openCaseOf } from "./open-cases";
import {
  type AutoContainResult,
  type CaseSummary,
  type LambdaContextLike,
  TransientError,
  transient,
} from "./result";
import { loadLambdaSettings } from "./settings";
import { triage } from "./triage";

export interface HandlerDeps {
  env?: NodeJS.ProcessEnv;
  /** Clients (tests); else one factory per region and endpoint, kept across warm invocations. */
  clients?: AwsClients;
  logger?: Logger;
  journals?: Journals;
}

const clientCache = new Map<string, AwsClients>();
function clientsFor(env: NodeJS.ProcessEnv): AwsClients {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  const key = `${region}|${endpoint ?? ""}|${env.IR_MAX_ATTEMPTS ?? ""}`;
  let c = clientCache.get(key);
  if (!c) {
    const attempts = Number(env.IR_MAX_ATTEMPTS);
    c = new AwsClients({
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(Number.isInteger(attempts) && attempts > 0 ? { retry: { maxAttempts: attempts } } : {}),
    });
    clientCache.set(key, c);
  }
  return c;
}

const summary = (r: CaseResult): CaseSummary => ({
  instanceId: r.instanceId,
  region: r.region,
  caseId: r.caseId ?? null,
  status: r.status,
  resumed: r.resumed ?? false,
  timeToContainmentMs: r.timeToContainmentMs ?? null,
  ...(r.error ? { error: r.error } : {}),
});

/** Builds a handler; `handler` below is the one Lambda calls, configured from the environment. */
export function createHandler(deps: HandlerDeps = {}) {
  return async function autoContain(event: unknown, context?: LambdaContextLike): Promise<AutoContainResult> {
    const env = deps.env ?? process.env;
    const cfg = readAutoContainConfig(env);
    const logger = deps.logger ?? jsonLogger({ requestId: context?.awsRequestId, mode: cfg.mode });
    try {
      const result = await decide(event, context, cfg, env, logger, deps);
      // The last line of every invocation: what it decided (Lambda does not log async results).
      logger.log("info", "invocation finished", {
        outcome: result.outcome,
        ...(result.reason ? { reason: result.reason } : {}),
        cases: result.cases.map((c) => `${c.instanceId}:${c.status}:${c.caseId ?? "-"}`),
        notification: result.notification,
      });
      return result;
    } catch (err) {
      logger.log("error", "invocation failed", {
        error: (err as Error).message,
        retry: err instanceof TransientError,
      });
      throw err;
    }
  };
}

async function decide(
  event: unknown,
  context: LambdaContextLike | undefined,
  cfg: AutoContainConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  deps: HandlerDeps,
): Promise<AutoContainResult> {
  const base = { mode: cfg.mode, targets: [], ignored: [], cases: [], notification: null };
  const t = triage(event, cfg.minSeverity);
  if (t.kind === "rejected") {
    logger.log("warn", "event rejected", { reason: t.reason });
    return { ...base, outcome: "rejected", reason: t.reason };
  }
  for (const i of t.ignored) logger.log("info", "finding ignored", { ...i });
  const clients = deps.clients ?? clientsFor(env);
  const loaded = await transient("reading the responder settings", () =>
    loadLambdaSettings(clients, cfg.settingsParameter, env),
  );
  if (loaded.note) logger.log("warn", loaded.note);
  const { settings } = loaded;
  const targets: Target[] = [];
  const ignored = [...t.ignored];
  for (const target of t.targets) {
    // The function's role acts in its own account only; member-account findings need their own responder.
    if (settings.accountId && target.accountId && target.accountId !== settings.accountId) {
      const reason = `the finding is about account ${target.accountId}, this function acts in account ${settings.accountId}: run \`ir respond\` with credentials in that account`;
      ignored.push({ findingId: target.source.findingId ?? "?", reason });
      logger.log("warn", "finding ignored", { instanceId: target.instanceId, reason });
    } else targets.push(target);
  }
  const result = {
    ...base,
    ignored,
    targets: targets.map((x) => ({
      instanceId: x.instanceId,
      region: x.region ?? settings.region,
      ...(x.source.findingId ? { findingId: x.source.findingId } : {}),
      ...(x.source.severity !== undefined ? { severity: x.source.severity } : {}),
    })),
  };
  if (targets.length === 0) {
    const reason = ignored.map((i) => `finding ${i.findingId}: ${i.reason}`).join("; ");
    return { ...result, outcome: "ignored", reason };
  }
  const topic = cfg.alertTopicArn ?? loaded.alertTopicArn;
  const journals = deps.journals ?? homeJournals(clients, settings);
  if (cfg.mode === "approve") {
    // GuardDuty re-publishes a finding as it recurs: ask only about instances nobody has acted on yet.
    const pending: Target[] = [];
    for (const target of targets) {
      const open = await transient("reading the case journal", () => openCaseOf(journals, target.instanceId));
      if (!open) pending.push(target);
      else {
        const reason = `instance ${target.instanceId} already has case ${open}: follow it with \`ir status ${open}\``;
        result.ignored.push({ findingId: target.source.findingId ?? "?", reason });
        logger.log("info", "finding ignored", { instanceId: target.instanceId, reason });
      }
    }
    if (pending.length === 0)
      return { ...result, outcome: "ignored", reason: result.ignored.map((i) => i.reason).join("; ") };
    return approve(result, pending, topic, settings.region, clients, logger);
  }
  return contain(result, targets, topic, cfg, settings, clients, logger, context, journals);
}

async function approve(
  result: Omit<AutoContainResult, "outcome">,
  targets: Target[],
  topic: string | undefined,
  region: string,
  clients: AwsClients,
  logger: Logger,
): Promise<AutoContainResult> {
  if (!topic)
    // Nobody would ever hear of the finding: keep the event (dead-letter queue) instead of dropping it.
    throw new Error(
      "approve mode needs an alert topic: set IR_ALERT_TOPIC_ARN or publish alertTopicArn in the settings parameter",
    );
  const notice = approvalRequest(targets, region);
  const messageId = await transient("publishing the approval request", () =>
    publish(clients.sns, topic, notice),
  );
  logger.log("info", "approval requested", { instances: targets.map((x) => x.instanceId), messageId });
  return { ...result, outcome: "approval-requested", notification: { kind: notice.kind, messageId } };
}

async function contain(
  result: Omit<AutoContainResult, "outcome">,
  targets: Target[],
  topic: string | undefined,
  cfg: AutoContainConfig,
  settings: Awaited<ReturnType<typeof loadLambdaSettings>>["settings"],
  clients: AwsClients,
  logger: Logger,
  context: LambdaContextLike | undefined,
  journals: Journals,
): Promise<AutoContainResult> {
  // Unique per attempt: a retry of the same request id must not pass for the run that still holds the lease.
  const runId = `lambda:${context?.awsRequestId ?? "local"}:${newRunId()}`;
  logger.log("info", "containing", { instances: targets.map((x) => x.instanceId), runId });
  const run = respond({
    targets,
    settings,
    clients,
    runId,
    options: { memory: cfg.memory },
    observe: (e) => logEngineEvent(logger, e),
    journals,
  });
  // Stop waiting before Lambda kills the function: the lease then lapses and the retry resumes the case.
  const remaining = context?.getRemainingTimeInMillis?.();
  const budget = remaining === undefined ? undefined : Math.max(1000, remaining - cfg.reserveMs);
  let results: CaseResult[];
  try {
    results = budget === undefined ? await run : await withTimeout(run, budget, "containment");
  } catch (err) {
    throw new TransientError(`${(err as Error).message}: the retry resumes the case from its journal`, {
      cause: err,
    });
  }
  for (const r of results)
    logger.log(r.status === "contained" ? "info" : "warn", "case finished", { ...summary(r) });
  const cases = results.map(summary);
  // Busy: the run holding the case reports it. Every step resumed: a redelivery or a recurring finding
  // about a contained instance, which changed nothing and was reported when it was contained.
  const unchanged = (r: CaseResult) =>
    r.status === "contained" && r.resumed === true && r.steps.every((s) => s.resumed);
  const acted = results.filter((r) => r.status !== "busy" && !unchanged(r));
  let notification: AutoContainResult["notification"] = null;
  if (acted.length === 0)
    notification = {
      skipped: results.every((r) => r.status === "busy")
        ? "another run holds every case: it reports the outcome"
        : "nothing changed: every case was already contained (reported then)",
    };
  else if (!topic) {
    notification = { skipped: "no alert topic (IR_ALERT_TOPIC_ARN or alertTopicArn in the settings)" };
    logger.log("warn", "outcome not published", notification);
  } else {
    const notice = containmentOutcome(acted);
    const messageId = await transient("publishing the outcome", () => publish(clients.sns, topic, notice));
    notification = { kind: notice.kind, messageId };
  }
  const failed = results.filter((r) => r.status === "error");
  if (failed.length > 0)
    throw new TransientError(
      `containment of ${failed.map((r) => `${r.instanceId} (${r.error})`).join(", ")} failed: the retry resumes the case from its journal`,
    );
  return { ...result, outcome: "responded", cases, notification };
}

export { type AutoContainResult, type LambdaContextLike, TransientError } from "./result";

/** The Lambda entry point (runtime nodejs22.x, handler `index.handler`). */
export const handler = createHandler();
