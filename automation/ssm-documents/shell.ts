/**
 * Quoting and validation for values the responder puts into scripts that run as root on a hostile
 * host or on the forensic workstation. Values are single-quoted (nothing inside single quotes is
 * special to bash) and validated first, so a bad value is refused with a reason instead of quoted.
 */

export class ScriptInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScriptInputError";
  }
}

/** One shell word holding exactly `value`. */
export const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The characters a presigned S3 URL is made of; the SSM document enforces it on its URL parameters, so
 * no value can leave the single quotes it is substituted into.
 */
export const PRESIGNED_URL_PATTERN = "^https?://[A-Za-z0-9.:\\[\\]-]+/[A-Za-z0-9._~%/?&=+:-]*$";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A presigned S3 PUT URL: https (plain http only to a loopback emulator), no user info, and signed
 * (X-Amz-Signature): the host must only ever receive URLs that authorise one upload, never a key.
 */
export function checkPresignedUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ScriptInputError(`${what} "${value.slice(0, 80)}" is not a URL: pass a presigned S3 PUT URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new ScriptInputError(
      `${what} uses ${url.protocol}//${url.host}: presigned URLs must be https (plain http only to a loopback emulator)`,
    );
  }
  if (url.username || url.password)
    throw new ScriptInputError(`${what} carries user info: pass a presigned URL without credentials in it`);
  if (!url.searchParams.has("X-Amz-Signature")) {
    throw new ScriptInputError(
      `${what} is not presigned (no X-Amz-Signature): mint it with getSignedUrl(PutObjectCommand)`,
    );
  }
  if (!new RegExp(PRESIGNED_URL_PATTERN).test(value)) {
    throw new ScriptInputError(
      `${what} holds characters outside ${PRESIGNED_URL_PATTERN}: not a URL the SDK mints`,
    );
  }
  return value;
}
