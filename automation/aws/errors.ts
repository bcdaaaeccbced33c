/** The name of an AWS error, whichever shape the SDK gave it (`name`, or `Code` from some services). */
export function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code ?? "Error";
}
