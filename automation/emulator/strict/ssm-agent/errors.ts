/** An error Systems Manager answers (400, JSON shape), thrown by the handlers and answered by the rule. */
export class SsmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request's JSON body field as a string list (absent or not a list: empty). */
export const stringList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
