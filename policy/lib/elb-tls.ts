/**
 * ELB security policies judged by what they allow (protocols and forward secrecy), not by a list of
 * approved names.
 *
 * Source: AWS, "Security policies for your Application Load Balancer"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html),
 * with the Network Load Balancer and Classic Load Balancer pages for the policies only they list;
 * names checked 2026-12-03 (the console default then: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09).
 * AWS: "policies that support only TLS 1.3 support forward secrecy (FS); policies that support TLS 1.3
 * and TLS 1.2 that have only ciphers of the form TLS_* and ECDHE_* also provide FS".
 *
 * A name the table does not list is read by AWS's naming scheme, so a policy AWS publishes later
 * passes without a code change when its name says TLS 1.2+:
 *   ELBSecurityPolicy-TLS13-1-<min>-...   TLS 1.3 policies; minimum TLS 1.<min>; "-Res-" and 1-3: FS only
 *   ELBSecurityPolicy-FS-1-<min>-...      forward secrecy only; minimum TLS 1.<min>
 *   ELBSecurityPolicy-TLS-1-<min>-...     TLS 1.2-and-older policies; minimum TLS 1.<min>
 * Anything else is unknown.
 */

export interface TlsPolicyFacts {
  /** Lowest protocol accepted from clients. */
  minTls: "1.0" | "1.1" | "1.2" | "1.3";
  /** Every cipher suite it offers has forward secrecy (TLS 1.3 only, or TLS 1.2 with ECDHE only). */
  forwardSecrecyOnly: boolean;
  /** Where the facts come from. */
  from: "table" | "name";
}

type Row = [name: string, minTls: TlsPolicyFacts["minTls"], forwardSecrecyOnly: boolean];

/** Predefined policies, as listed by AWS (see the source above). */
const TABLE: Row[] = [
  // Post-quantum hybrid key exchange (2025-09); the Res variant is the console default.
  ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "1.2", true],
  ["ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", "1.3", true],
  ["ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", "1.2", true],
  ["ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", "1.3", true],
  // TLS 1.3 policies (2021-06) and their FIPS variants (2023-04).
  ["ELBSecurityPolicy-TLS13-1-2-2021-06", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "1.2", true],
  ["ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-3-2021-06", "1.3", true],
  ["ELBSecurityPolicy-TLS13-1-1-2021-06", "1.1", false],
  ["ELBSecurityPolicy-TLS13-1-0-2021-06", "1.0", false],
  ["ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", "1.3", true],
  ["ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", "1.2", true],
  ["ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", "1.2", false],
  ["ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", "1.1", false],
  ["ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", "1.0", false],
  // Forward-secrecy policies.
  ["ELBSecurityPolicy-FS-1-2-Res-2020-10", "1.2", true],
  ["ELBSecurityPolicy-FS-1-2-Res-2019-08", "1.2", true],
  ["ELBSecurityPolicy-FS-1-2-2019-08", "1.2", true],
  ["ELBSecurityPolicy-FS-1-1-2019-08", "1.1", true],
  ["ELBSecurityPolicy-FS-2018-06", "1.0", true],
  // TLS 1.2-and-older policies (also the ones classic load balancers reference).
  ["ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "1.2", false],
  ["ELBSecurityPolicy-TLS-1-2-2017-01", "1.2", false],
  ["ELBSecurityPolicy-TLS-1-1-2017-01", "1.1", false],
  ["ELBSecurityPolicy-2016-08", "1.0", false],
  ["ELBSecurityPolicy-2015-05", "1.0", false],
];

const BY_NAME = new Map(TABLE.map(([name, minTls, fs]) => [name, { minTls, forwardSecrecyOnly: fs }]));

const NAMING: Array<{ pattern: RegExp; fs: (name: string, min: string) => boolean }> = [
  {
    pattern: /^ELBSecurityPolicy-TLS13-1-([0-3])-[A-Za-z0-9-]+$/,
    fs: (n, min) => min === "3" || /-Res-/.test(n),
  },
  { pattern: /^ELBSecurityPolicy-FS-1-([0-2])-[A-Za-z0-9-]+$/, fs: () => true },
  { pattern: /^ELBSecurityPolicy-TLS-1-([0-2])-[A-Za-z0-9-]+$/, fs: () => false },
];

/** What a predefined policy allows, from the table or (for a name it does not list) AWS's naming; undefined when unknown. */
export function tlsPolicyFacts(name: string): TlsPolicyFacts | undefined {
  const row = BY_NAME.get(name);
  if (row) return { ...row, from: "table" };
  for (const { pattern, fs } of NAMING) {
    const m = pattern.exec(name);
    if (m)
      return {
        minTls: `1.${m[1]}` as TlsPolicyFacts["minTls"],
        forwardSecrecyOnly: fs(name, m[1]),
        from: "name",
      };
  }
  return undefined;
}

/** The recommended policy to name in messages (AWS's console default at the date above). */
export const RECOMMENDED_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";
/** What classic load balancers can reference (they do not support TLS 1.3 policies). */
export const RECOMMENDED_CLASSIC_TLS_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01";
