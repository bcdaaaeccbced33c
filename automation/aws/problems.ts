/**
 * The commonest reasons a command cannot talk to AWS at all, as errors a responder can act on: no
 * credentials, credentials refused or expired (an SSO session past its end), an endpoint that does not
 * answer, a Region that does not exist. Each names the cause and the fix; `ir` exits 2 on them (nothing
 * could be done). Anything else is left as it is.
 */
import { InputError } from "../input/targets";
import { errorName } from "./errors";

const REFUSED_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "AuthFailure",
]);

const networkCode = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code;
};

/** The error as an actionable one when it is one of those, else undefined. */
export function actionableProblem(err: unknown, region: string, endpoint?: string): InputError | undefined {
  // Already said in a responder's terms (a command's own check).
  if (err instanceof InputError) return undefined;
  const name = errorName(err);
  const message = (err as Error)?.message ?? String(err);
  // An SSO profile whose session ended: the SDK says so in its own words, with its own error names.
  if (/sso session .*expired|sso token .*expired|token (is|has) expired/i.test(message))
    return new InputError(
      `the AWS SSO session has expired (${message}): run aws sso login${process.env.AWS_PROFILE ? ` --profile ${process.env.AWS_PROFILE}` : ""}, then run the command again`,
    );
  if (name === "CredentialsProviderError" || /could not (load|resolve) credentials/i.test(message))
    return new InputError(
      `no AWS credentials were found (${message}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them (aws sso login for an SSO profile)`,
    );
  if (REFUSED_CREDENTIALS.has(name))
    return new InputError(
      `the AWS credentials were refused (${name}: ${message}): refresh them (a new session, aws sso login) and run the command again`,
    );
  const code = networkCode(err);
  if (!endpoint && (code === "ENOTFOUND" || code === "EAI_AGAIN"))
    return new InputError(
      `region "${region}" is not known: its endpoints do not resolve (${code}): pass --region with a region name such as us-east-1`,
    );
  if (endpoint && (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH"))
    return new InputError(
      `endpoint "${endpoint}" cannot be reached (${code}): check --endpoint or AWS_ENDPOINT_URL (is the emulator running? npm run gameday starts one)`,
    );
  return undefined;
}
