/**
 * One line for an AWS error in a report. An answer the SDK cannot parse (an HTML error page from an
 * outage or an emulator without the API) is named as what it is, not as the parser's complaint.
 */
export function describeError(err: unknown): string {
  const e = err as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
  if (e?.name === "SyntaxError" || /Deserialization error/.test(e?.message ?? "")) {
    return `the service answered${status ? ` HTTP ${status}` : ""} without a readable error (an outage, or an emulator without this API)`;
  }
  return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
}
