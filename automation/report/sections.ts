/**
 * The report's evidence, analysis and recovery sections, read from step records and the manifest
 * (defensively, see read-json.ts).
 */
import type { Json } from "../engine/types";
import type { Manifest } from "../evidence/manifest";
import type {
  EvidenceArtefact,
  ReportAnalysis,
  ReportAttackerAddress,
  ReportChange,
  ReportEvidence,
  ReportRecovery,
} from "./model";
import { arr, defined, MAX_ROWS, num, type Obj, obj, str, strings } from "./read-json";
import { bound } from "./text";

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
  // The step records `{ targetGroups, waitedMs, amiId, capacity }`; journals of earlier versions kept
  // the bare list.
  const health = arr(Array.isArray(healthRecord) ? healthRecord : obj(healthRecord)?.targetGroups)
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
