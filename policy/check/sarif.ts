/**
 * SARIF 2.1.0 output of policy:check (`--format sarif`), for GitHub code scanning and other viewers:
 * one rule per policy (description, remediation as help, severity), one result per diagnostic
 * (mandatory → error; advisory → warning when the policy itself runs at advisory level, note when it
 * is information from a mandatory policy: exemptions, values not known offline), located at the
 * resource's URN (logical location) and at the program line that declares it (physical location).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Diagnostic } from "../lib/run";
import type { CheckResult } from "./report";
import { summarise } from "./report";

const PACK_VERSION = (require("../package.json") as { version: string }).version;

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** GitHub code scanning's numeric `security-severity` for each pack severity. */
const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export interface SarifOptions {
  /**
   * Directory artifact URIs are relative to (uriBaseId %SRCROOT%): the repository root, so that
   * GitHub places annotations on the right files. @default the git work tree around the program
   */
  root?: string;
}

/** The nearest directory at or above `dir` holding `.git`, else `dir`. */
export function repositoryRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return dir;
  }
}

const toUri = (root: string, file: string) => relative(root, file).split(sep).join("/");

export function renderSarif(r: CheckResult, opts: SarifOptions = {}): Log {
  const root = opts.root ?? (r.run.dir ? repositoryRoot(r.run.dir) : process.cwd());
  const byUrn = new Map(r.run.resources.map((x) => [x.urn, x]));
  const stackUrn = r.run.resources.find((x) => x.type === "pulumi:pulumi:Stack")?.urn;
  const rules = [...r.rules].sort((a, b) => a.name.localeCompare(b.name));
  const index = new Map(rules.map((rule, i) => [rule.name, i]));

  const descriptors: ReportingDescriptor[] = rules.map((rule) => {
    const level = r.levels[rule.name] ?? rule.enforcementLevel ?? "mandatory";
    const refs = [
      ...(rule.cis ?? []).map((id) => `CIS AWS Foundations Benchmark v3.0.0 ${id}`),
      ...(rule.configRule ? [`AWS Config rule ${rule.configRule}`] : []),
    ];
    return {
      id: rule.name,
      name: rule.name,
      shortDescription: { text: rule.description.split(/(?<=[.:])\s/)[0] },
      fullDescription: { text: rule.description },
      help: {
        text: `${rule.remediationSteps}${refs.length ? `\n\nReferences: ${refs.join("; ")}.` : ""}`,
      },
      defaultConfiguration: {
        enabled: level !== "disabled",
        level: level === "advisory" ? "warning" : "error",
      },
      properties: {
        severity: rule.severity,
        "security-severity": SECURITY_SEVERITY[rule.severity] ?? "5.5",
        enforcementLevel: level,
        kind: rule.kind ?? "resource",
        resourceTypes: [...rule.resourceTypes],
        tags: ["security", "pulumi", "aws", ...(rule.cis?.length ? ["CIS"] : [])],
        ...(rule.cis?.length ? { cis: [...rule.cis] } : {}),
        ...(rule.configRule ? { awsConfigRule: rule.configRule } : {}),
      },
    };
  });

  const results: Result[] = r.diagnostics.map((d: Diagnostic) => {
    const res = d.urn ? byUrn.get(d.urn) : undefined;
    const urn = d.urn ?? stackUrn;
    const file = res?.source?.file ?? r.run.main;
    const physicalLocation = file
      ? {
          artifactLocation: { uri: toUri(root, file), uriBaseId: "%SRCROOT%" },
          ...(res?.source
            ? { region: { startLine: res.source.line, startColumn: res.source.column ?? 1 } }
            : {}),
        }
      : undefined;
    return {
      ruleId: d.policy,
      ...(index.has(d.policy) ? { ruleIndex: index.get(d.policy) } : {}),
      level: d.level === "mandatory" ? "error" : r.levels[d.policy] === "advisory" ? "warning" : "note",
      message: { text: res ? `${res.type} "${res.name}": ${d.message}` : d.message },
      locations: [
        {
          ...(physicalLocation ? { physicalLocation } : {}),
          ...(urn
            ? {
                logicalLocations: [
                  {
                    fullyQualifiedName: urn,
                    name: res?.name ?? r.run.stack,
                    kind: "resource",
                  },
                ],
              }
            : {}),
        },
      ],
      partialFingerprints: {
        "policyCheck/v1": createHash("sha256")
          .update(`${d.policy}\n${urn ?? ""}\n${d.message}`)
          .digest("hex"),
      },
      properties: {
        enforcementLevel: d.level,
        ...(d.severity ? { severity: d.severity } : {}),
        ...(res ? { resourceType: res.type, resourceName: res.name } : {}),
      },
    };
  });

  const s = summarise(r);
  const notifications = [
    ...s.unanswered.map((token) => ({
      level: "warning" as const,
      message: {
        text: `invoke ${token} could not be answered offline and returned nothing: resources that depend on it may be missing or wrong`,
      },
    })),
    ...r.run.errors.map((e) => ({ level: "error" as const, message: { text: `the program failed: ${e}` } })),
    ...(r.run.secrets.length
      ? [
          {
            level: "note" as const,
            message: {
              text: `secret config values are not readable offline; placeholders were used for: ${r.run.secrets.join(", ")}`,
            },
          },
        ]
      : []),
  ];

  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "policy:check",
            fullName: "policy:check (ec2-incident-ready CrossGuard policy pack, offline)",
            version: PACK_VERSION,
            semanticVersion: PACK_VERSION,
            rules: descriptors,
          },
        },
        invocations: [
          {
            executionSuccessful: !s.incomplete,
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        properties: { project: r.run.project, stack: r.run.stack, summary: { ...s } },
        results,
      },
    ],
  };
}
