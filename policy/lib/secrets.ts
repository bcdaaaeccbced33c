/**
 * Finds credentials in user data. High-signal patterns only (AWS key ids, secret keys next to their
 * name, PEM private keys, well-known token prefixes, literal password assignments), with filters for
 * placeholders and references so that `DB_PASSWORD=$(aws ssm get-parameter ...)` is not reported.
 * User data is decoded first: base64 (launch templates, userDataBase64) and gzip inside it.
 */
import { gunzipSync } from "node:zlib";

export interface SecretFinding {
  kind: string;
  /** Redacted excerpt: never the secret itself. */
  excerpt: string;
}

const redact = (s: string) => (s.length <= 4 ? "****" : `${s.slice(0, 4)}…(${s.length} chars)`);

const PLACEHOLDERS =
  /^(x+|\*+|changeme|change_me|password|secret|example|dummy|redacted|placeholder|none|null|true|false|undefined|todo|tbd|xxx.*)$/i;

/** True when a value is a reference or template rather than a literal secret. */
function isReference(v: string): boolean {
  return (
    /^[$%{<(@`]/.test(v) ||
    v.includes("{{") ||
    v.includes("${") ||
    /^(arn:|ssm:|secretsmanager:|resolve:|\/|file:|https?:)/i.test(v) ||
    PLACEHOLDERS.test(v) ||
    /^(.)\1+$/.test(v)
  );
}

const RULES: Array<{ kind: string; re: RegExp; group: number; accept?: (v: string) => boolean }> = [
  {
    kind: "AWS access key id",
    re: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    group: 1,
    accept: (v) => !v.endsWith("EXAMPLE"),
  },
  {
    kind: "AWS secret access key",
    re: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
    accept: (v) => !v.includes("EXAMPLEKEY"),
  },
  {
    kind: "private key",
    re: /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g,
    group: 1,
  },
  { kind: "GitHub token", re: /\b(gh[pousr]_[A-Za-z0-9]{36,})\b/g, group: 1 },
  { kind: "Slack token", re: /\b(xox[baprs]-[A-Za-z0-9-]{10,})\b/g, group: 1 },
  { kind: "Stripe live key", re: /\b((?:sk|rk)_live_[A-Za-z0-9]{16,})\b/g, group: 1 },
  {
    kind: "password in user data",
    re: /\b[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)["']?\s*[:=]\s*(["']?)([^\s"'`;|&]+)\1/gi,
    group: 2,
    accept: (v) => v.length >= 8 && !isReference(v),
  },
  {
    kind: "password in a command line",
    re: /--(?:password|passwd|db-password|admin-password)[= ]+(["']?)([^\s"'`;|&]+)\1/gi,
    group: 2,
    accept: (v) => v.length >= 6 && !isReference(v),
  },
  {
    kind: "password piped to chpasswd",
    re: /echo\s+["']?[a-z_][a-z0-9_-]*:([^\s"'|]+)["']?\s*\|\s*(?:sudo\s+)?chpasswd/gi,
    group: 1,
    accept: (v) => !isReference(v),
  },
];

/** Decodes base64 (and gzip inside it) when the text is an encoding; returns the candidate texts to scan. */
export function decodeUserData(text: string): string[] {
  const out = [text];
  const compact = text.replace(/\s+/g, "");
  if (compact.length >= 8 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const bytes = Buffer.from(compact, "base64");
    let decoded: Buffer | undefined = bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        decoded = gunzipSync(bytes);
      } catch {
        decoded = undefined;
      }
    }
    if (decoded) {
      const s = decoded.toString("utf8");
      // Only treat it as text when it mostly is (a random-looking word is not base64 user data).
      let printable = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127)) printable++;
      }
      if (s.length && printable / s.length > 0.9) out.push(...decodeUserData(s).filter((t) => t !== text));
    }
  }
  return out;
}

/** Cheap test run first: text without any of these cannot match a rule. */
const MAYBE =
  /AKIA|ASIA|ABIA|ACCA|secret|PRIVATE KEY|gh[pousr]_|xox[baprs]-|_live_|pass|pwd|token|api[_-]?key/i;

const cache = new Map<string, SecretFinding[]>();

/** Secrets in a user-data text (plain, base64 or base64+gzip). Results are cached per text. */
export function findSecrets(text: string, allow: readonly RegExp[] = []): SecretFinding[] {
  const key = allow.length ? `${allow.map((a) => a.source).join("\u0000")}\u0001${text}` : text;
  let found = cache.get(key);
  if (!found) {
    found = scan(text, allow);
    if (cache.size >= 256) cache.clear();
    cache.set(key, found);
  }
  return found;
}

function scan(text: string, allow: readonly RegExp[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  for (const candidate of decodeUserData(text)) {
    if (!MAYBE.test(candidate)) continue;
    for (const rule of RULES) {
      rule.re.lastIndex = 0;
      for (const m of candidate.matchAll(rule.re)) {
        const value = m[rule.group] ?? "";
        if (rule.accept && !rule.accept(value)) continue;
        if (allow.some((a) => a.test(value) || a.test(m[0]))) continue;
        const key = `${rule.kind}:${value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ kind: rule.kind, excerpt: rule.kind === "private key" ? value : redact(value) });
      }
    }
  }
  return findings;
}
