/** The name of an AWS error, whichever shape the SDK gave it (`name`, or `Code` from some services). */
export function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code ?? "Error";
}

/** IAM's "no such role, policy or profile" (the SDK names it NoSuchEntityException, the wire NoSuchEntity). */
export const isNoSuchEntity = (err: unknown) =>
  ["NoSuchEntity", "NoSuchEntityException"].includes(errorName(err));

/** IAM's quota refusals, e.g. a role's inline policies past 10,240 characters. */
export const isLimitExceeded = (err: unknown) =>
  ["LimitExceeded", "LimitExceededException"].includes(errorName(err));
