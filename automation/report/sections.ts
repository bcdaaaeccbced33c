/**
 * The report's sections read from step records (journaled JSON, read defensively: a record from an
 * older or newer version of a step must not break the report) and from the manifest. Every string is
 * bounded (`bound`); escaping is the renderers' job.
 */
import type { Json } from "../engine/types";
import type { Manifest } from "../steps/manifest";
import type {
  CaseReport,
  EvidenceArtefact,
  ReportAnalysis,
  ReportAttackerAddress,
  ReportChange,
  ReportEvidence,
  ReportRecovery,
  ReportSource,
} from "./model";
import { bound } from "./text";

/** Most rows a section keeps (the rest are counted as omitted). */
export const MAX_ROWS = { tags: 50, addresses: 200, changes: 500, artefacts: 500, warnings: 50 };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown, max?: number): string | undefined =>
  typeof v === "string" ? bound(v, max) : typeof v === "number" ? String(v) : undefined;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
/** Copies the defined values only (the model has no `undefined` holes, so JSON and deep-equal agree). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
const strings = (v: unknown, max: number) =>
  arr(v)
    .map((x) => str(x))
    .filter((x): x is string => x !== undefined)
    .slice(0, max);

/**
 * The case's source, summarised: the header keeps the whole finding for `ir analyze`, the report shows
 * what identifies it and what it says (its title and description, which an attacker can shape).
 */
export function sourceSection(source: Json | undefined): ReportSource | undefined {
  const s = obj(source);
  if (!s) return undefined;
  const f = obj(s.finding);
  return defined({
    kind: str(s.kind, 40) ?? "unknown",
    file: str(s.file, 500),
    findingId: str(s.findingId, 300),
    type: str(s.type, 300),
    severity: num(s.severity),
    firstSeen: str(s.firstSeen, 100),
    lastSeen: str(s.lastSeen, 100),
    title: str(f?.title ?? f?.Title, 500),
    description: str(f?.description ?? f?.Description),
  });
}

export function instanceSection(discover: Json | undefined): CaseReport["case"]["instance"] {
  const d = obj(discover);
  if (!d) return undefined;
  const tags = Object.entries(obj(d.tags) ?? {}).map(([key, value]) => ({
    key: bound(key, 300),
    value: str(value) ?? "",
  }));
  return defined({
    name: str(obj(d.tags)?.Name),
    instanceType: str(d.instanceType),
    imageId: str(d.imageId),
    vpcId: str(d.vpcId),
    launchTime: str(d.launchTime),
    autoScalingGroup: str(obj(d.asg)?.name),
    tags: tags.slice(0, MAX_ROWS.tags),
  });
}

function artefact(v: unknown): EvidenceArtefact | undefined {
  const a = obj(v);
  const key = str(a?.key);
  const sha256 = str(a?.sha256);
  if (!a || !key || !sha256) return undefined;
  return defined({
    name: str(a.name) ?? key,
    key,
    sha256,
    size: num(a.size) ?? 0,
    versionId: str(a.versionId),
    collectedAt: str(a.collectedAt),
  });
}

const artefactsOf = (record: Json | undefined): EvidenceArtefact[] => {
  const r = obj(record);
  const list = [...arr(r?.artefacts), ...(r?.artefact ? [r.artefact] : [])];
  return list.map(artefact).filter((a): a is EvidenceArtefact => a !== undefined);
};

export function evidenceSection(
  records: Map<string, Json | undefined>,
  manifestVerified: boolean,
  manifest?: Manifest,
  note?: string,
): ReportEvidence {
  const written = artefact(obj(records.get("manifest"))?.manifest);
  const manifestRef = written
    ? defined({
        key: written.key,
        versionId: written.versionId,
        sha256: written.sha256,
        writtenAt: str(manifest?.writtenAt),
        verified: manifestVerified,
      })
    : undefined;
  const fromJournal = ["metadata-before", "metadata-after", "memory"].flatMap((id) =>
    artefactsOf(records.get(id)),
  );
  const base = manifest ? arr(manifest.artefacts).map(artefact) : fromJournal;
  // Artefacts written after the manifest (logs collected over SSM, the analysis) are evidence too:
  // every step's record that names hashed artefacts contributes them.
  const later = [...records.values()].flatMap(artefactsOf);
  const all = [...base, ...later].filter((a): a is EvidenceArtefact => a !== undefined);
  const artefacts = [...new Map(all.map((a) => [a.key, a])).values()].slice(0, MAX_ROWS.artefacts);
  const snapshots = arr(manifest ? manifest.snapshots : obj(records.get("snapshot"))?.snapshots)
    .map(obj)
    .filter((s): s is Obj => !!s && typeof s.snapshotId === "string")
    .map((s) => ({ snapshotId: str(s.snapshotId)!, volumeId: str(s.volumeId) ?? "" }));
  const memRecord = obj(records.get("memory"));
  const memory = manifest?.memory
    ? defined({ status: str(manifest.memory.status) ?? "unknown", reason: str(manifest.memory.reason) })
    : records.has("memory")
      ? { status: memRecord?.artefact ? "captured" : "skipped" }
      : undefined;
  const tools = Object.fromEntries(
    Object.entries(obj(manifest?.tools) ?? {}).map(([k, v]) => [bound(k, 100), str(v, 300) ?? ""]),
  );
  const why =
    note ??
    (manifest
      ? undefined
      : written
        ? "the manifest was not read: evidence listed from the journal"
        : undefined);
  return defined({
    source: manifest ? ("manifest" as const) : ("journal" as const),
    manifest: manifestRef,
    note: why,
    snapshots,
    artefacts,
    memory,
    tools,
  });
}

/** The analysis record: the analysis itself, or wrapped as `{ report }`. */
const unwrap = (record: Json | undefined): Obj | undefined => obj(obj(record)?.report) ?? obj(record);

const windowOf = (v: unknown) => {
  const w = obj(v);
  const start = str(w?.start);
  const end = str(w?.end);
  return start && end ? { start, end } : undefined;
};

function attackerAddress(v: unknown): ReportAttackerAddress | undefined {
  const a = obj(v);
  const address = str(a?.address, 100);
  if (!a || !address) return undefined;
  const abuse = obj(a.abuse);
  return defined({
    address,
    scope: str(a.scope, 40) ?? "unknown",
    sources: strings(a.sources, 10),
    firstSeen: str(a.firstSeen),
    lastSeen: str(a.lastSeen),
    credentialEvents: num(obj(obj(a.evidence)?.credentialUse)?.events),
    action: str(abuse?.action),
    contacts: strings(abuse?.contacts, 10),
  });
}

function change(v: unknown): ReportChange | undefined {
  const c = obj(v);
  const time = str(c?.time);
  if (!c || !time) return undefined;
  const r = obj(c.resource);
  const who = obj(c.who);
  return defined({
    time,
    source: str(c.source, 40) ?? "unknown",
    resource: [str(r?.type, 100), str(r?.id, 300)].filter(Boolean).join(" "),
    summary: str(c.summary) ?? "",
    who: str(who?.arn) ?? str(who?.principal) ?? str(who?.invokedBy),
    sourceIp: str(who?.sourceIp, 100),
    eventName: str(c.eventName, 200),
    errorCode: str(c.errorCode, 200),
  });
}

export function analysisSection(records: Map<string, Json | undefined>): ReportAnalysis {
  const out: ReportAnalysis = {};
  const ips = unwrap(records.get("analyze-attacker-ips"));
  if (ips) {
    const all = arr(ips.addresses)
      .map(attackerAddress)
      .filter((a): a is ReportAttackerAddress => !!a);
    out.attackerIps = defined({
      window: windowOf(ips.window),
      addresses: all.slice(0, MAX_ROWS.addresses),
      omitted: (num(ips.omitted) ?? 0) + Math.max(0, all.length - MAX_ROWS.addresses),
      domains: strings(ips.domains, MAX_ROWS.warnings),
      warnings: strings(ips.warnings, MAX_ROWS.warnings),
      sources: Object.entries(obj(ips.sources) ?? {})
        .slice(0, 10)
        .map(([source, v]) =>
          defined({
            source: bound(source, 40),
            status: str(obj(v)?.status, 40) ?? "unknown",
            reason: str(obj(v)?.reason) ?? str(obj(v)?.error),
          }),
        ),
    });
  }
  const history = unwrap(records.get("analyze-change-history"));
  if (history) {
    const all = arr(history.entries)
      .map(change)
      .filter((c): c is ReportChange => !!c);
    out.changeHistory = defined({
      window: windowOf(history.window),
      entries: all.slice(0, MAX_ROWS.changes),
      omitted: Math.max(0, all.length - MAX_ROWS.changes),
      gaps: strings(history.gaps, MAX_ROWS.warnings),
    });
  }
  return out;
}

export function recoverySection(records: Map<string, Json | undefined>): ReportRecovery | undefined {
  const ids = [...records.keys()];
  if (!ids.some((id) => id.startsWith("recover-"))) return undefined;
  const ami = obj(records.get("recover-select-ami"));
  const healthRecord = records.get("recover-health");
  const health = arr(Array.isArray(healthRecord) ? healthRecord : obj(healthRecord)?.targets)
    .map(obj)
    .filter((h): h is Obj => !!h && typeof h.targetGroupArn === "string")
    .map((h) => ({
      targetGroupArn: str(h.targetGroupArn)!,
      expected: num(h.expected) ?? 0,
      healthy: num(h.healthy) ?? 0,
    }));
  const imageId = str(ami?.imageId, 100);
  return defined({
    ami: imageId
      ? defined({
          imageId,
          parameter: str(ami?.parameter),
          version: num(ami?.version),
          publishedAt: str(ami?.publishedAt),
          reason: str(ami?.reason),
        })
      : undefined,
    health,
  });
}
