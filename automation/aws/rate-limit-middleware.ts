/**
 * The EC2 client's middleware that waits for each attempt's token (rate-limiter.ts) before the request
 * is built and sent. It sits inside the retry loop of clients.ts: AWS charges every attempt, so every
 * attempt takes a token. The SDK's abort signal (`send(cmd, { abortSignal })`) cancels the wait.
 */
import type { Ec2RateLimiter } from "./rate-limiter";

/**
 * How long a call may wait for its token before it is refused (RateLimitWaitTooLong, nothing sent).
 * Half the step engine's 120 s run timeout: a step that waits longer has failed anyway, and its call
 * would then spend a token after nobody wants its answer; a step that makes its calls in two rounds
 * still fits. On the bench's 500 instances at once (more than the buckets can serve in time), 60 s
 * contained the most: 30 s and 110 s contained fewer (docs/performance.md).
 */
export const DEFAULT_MAX_WAIT_MS = 60_000;

/** Whether an EC2 input names a filter or paginates (the few small unfiltered buckets then do not apply). */
export function filteredOrPaginated(input: unknown): boolean {
  const i = (input ?? {}) as { Filters?: unknown; MaxResults?: unknown; NextToken?: unknown };
  return (
    (Array.isArray(i.Filters) && i.Filters.length > 0) ||
    i.MaxResults !== undefined ||
    i.NextToken !== undefined
  );
}

/**
 * Marks a command's input as urgent for the limiter: it closes an exposure (an ENI into the isolation
 * group, or back out of the all-open untrack group) and must not wait behind best-effort calls. A
 * symbol key: the SDK's serializers send only the API's members, so AWS never sees it.
 */
export const URGENT = Symbol("ir.urgent");
export function urgent<T extends object>(input: T): T {
  Object.defineProperty(input, URGENT, { value: true, enumerable: false });
  return input;
}
const isUrgent = (input: unknown) => Boolean(input && (input as Record<symbol, unknown>)[URGENT]);

/** The smithy context key the SDK puts `send`'s options under (abortSignal among them). */
const SMITHY_CONTEXT = "__smithy_context";

/**
 * `limiter` is looked up per call, not held: a reset of the shared limiters (an emulator reset) reaches
 * clients built before it.
 */
export function ec2RateLimitMiddleware(limiter: () => Ec2RateLimiter, maxWaitMs: number) {
  return <A extends { input?: unknown }, R>(
    next: (args: A) => Promise<R>,
    context: { commandName?: string; [SMITHY_CONTEXT]?: { abortSignal?: unknown } },
  ) =>
    async (args: A): Promise<R> => {
      const operation = String(context?.commandName ?? "").replace(/Command$/, "");
      const given = context?.[SMITHY_CONTEXT]?.abortSignal as { addEventListener?: unknown } | undefined;
      // Older SDK abort signals only have `onabort`: the wait is then bounded by maxWaitMs alone.
      const signal: AbortSignal | undefined =
        typeof given?.addEventListener === "function" ? (given as AbortSignal) : undefined;
      await limiter().acquire(
        { operation, filteredOrPaginated: filteredOrPaginated(args?.input) },
        { maxWaitMs, ...(signal ? { signal } : {}), ...(isUrgent(args?.input) ? { urgent: true } : {}) },
      );
      return next(args);
    };
}
