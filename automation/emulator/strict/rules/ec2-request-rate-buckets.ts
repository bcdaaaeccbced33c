/**
 * EC2 API throttling: each account has, per Region and per API, a token bucket (sizes in
 * automation/aws/ec2-rate-table.ts); a call takes a token, and a call that finds its bucket empty is refused
 * with RequestLimitExceeded (503) and changes nothing. RunInstances, StartInstances, StopInstances and
 * TerminateInstances must also find one token per instance in their resource bucket. Buckets refill on
 * the layer's clock. moto never throttles.
 *
 * The project's clients pace their EC2 calls by the same buckets (automation/aws/rate-limiter.ts) and
 * retry RequestLimitExceeded (automation/aws/retry.ts), so a workload that outruns a bucket waits instead
 * of failing, as on AWS; a client with the limiter and retries off is refused here.
 */

import {
  EC2_RATE_SOURCE,
  RESOURCE_BUCKETS,
  requestBucketName,
  requestBucketSize,
  wireFilteredOrPaginated,
} from "../../../aws/ec2-rate-table";
import { type BucketSize, TokenBucket } from "../../../aws/token-bucket";
import { indexed, stateMap } from "../ec2-query";
import type { RuleContext, StrictRequest, StrictRule } from "../types";

/** Buckets by `${accountId}/${region}/${operation}[/unfiltered|/resource]`, made full on first use. */
const buckets = stateMap<TokenBucket>("ec2-request-rate-buckets");

function bucket(ctx: RuleContext, key: string, size: BucketSize): TokenBucket {
  const all = buckets(ctx);
  let b = all.get(key);
  if (!b) {
    b = new TokenBucket(size, ctx.now());
    all.set(key, b);
  }
  return b;
}

/** Instances a call acts on, for its resource bucket (RunInstances: the most it may launch). */
function resourceCost(req: StrictRequest): number {
  if (req.operation === "RunInstances") return Math.max(1, Number(req.params.MaxCount ?? 1) || 1);
  return Math.max(1, indexed(req.params, "InstanceId").length);
}

export const ec2RequestRateBuckets: StrictRule = {
  id: "ec2-request-rate-buckets",
  title:
    "EC2 throttles API calls per account, Region and API with token buckets, refusing a call that finds its bucket empty with RequestLimitExceeded",
  source: EC2_RATE_SOURCE,
  matches: (req) => req.service === "ec2" && req.operation !== "",
  before(req, ctx) {
    const now = ctx.now();
    const scope = `${req.accountId}/${req.region}`;
    const filtered = wireFilteredOrPaginated(req.params);
    // The few APIs with a smaller bucket for unfiltered, unpaginated calls keep the two apart.
    const request = bucket(
      ctx,
      `${scope}/${requestBucketName(req.operation, filtered)}`,
      requestBucketSize(req.operation, filtered),
    );
    const resourceSize = RESOURCE_BUCKETS[req.operation];
    const resource = resourceSize
      ? bucket(ctx, `${scope}/${req.operation}/resource`, resourceSize)
      : undefined;
    const cost = resource ? resourceCost(req) : 0;
    // Both buckets must hold enough before either is charged: a refused call takes nothing.
    if (request.available(now) >= 1 && (!resource || resource.available(now) >= cost)) {
      request.tryTake(now);
      resource?.tryTake(now, cost);
      return undefined;
    }
    return { status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded." };
  },
};
