/**
 * EBS encryption under a KMS key asks KMS in the caller's name (kms:ViaService ec2.<region>): a volume
 * made from an encrypted snapshot, or encrypted to a KmsKeyId, needs the caller allowed the EBS actions
 * on that key (EBS_KMS_ACTIONS); a snapshot copy needs them on the destination key and, on the source's
 * key when the copy goes under another one, what reading it takes (EBS_COPY_SOURCE_KMS_ACTIONS). Identity
 * policy and key policy both count (iam/decide.ts); KMS grants are not read. moto checks none of it.
 *
 * AWS refuses neither call on the spot: both are asynchronous. CreateVolume answers a volume in
 * `creating` that then fails and is gone (EBS emits createVolume "failed"; DescribeVolumes then answers
 * InvalidVolume.NotFound): https://docs.aws.amazon.com/ebs/latest/userguide/ebs-cloud-watch-events.html
 * CopySnapshot answers a snapshot id whose copy goes to `error`, with the reason in StateMessage
 * ("Encrypted Amazon EBS snapshots are copied asynchronously. If a snapshot copy operation fails (for
 * example, if the proper KMS permissions are not obtained) this field displays error state details"):
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Snapshot.html . The layer does the same:
 * moto makes the volume or copy, then the volume is deleted, the copy shown in `error` (the message as
 * AWS Backup reported one, "Given key ID is not accessible"; AWS documents no text).
 *
 * Keys AWS manages (alias aws/*, e.g. aws/ebs) admit every principal of their account through EC2 by
 * their own policy: not evaluated. moto also drops the key of a snapshot taken of an encrypted volume:
 * the layer takes the volume's and shows it in DescribeSnapshots (KmsKeyId), as AWS does.
 */
import {
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Snapshot,
} from "@aws-sdk/client-ec2";
import { ListAliasesCommand } from "@aws-sdk/client-kms";
import { EBS_COPY_SOURCE_KMS_ACTIONS, EBS_KMS_ACTIONS } from "../../../../facts/responder-actions";
import {
  editSetItems,
  isEc2,
  isTrue,
  motoLookup,
  setItemField,
  setItems,
  stateMap,
  xmlTag,
} from "../ec2-query";
import { lookups, remember } from "../iam/authorizations/common";
import { keyArn } from "../iam/authorizations/kms";
import { decide } from "../iam/decide";
import { kmsOf } from "../iam/policies";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "../types";

/** What DescribeSnapshots shows for a copy EBS could not make. */
export const COPY_FAILURE_MESSAGE = "Given key ID is not accessible";

/** Copies that failed, by `${accountId}/${region}/${snapshotId}`: their StateMessage. */
const failedCopies = stateMap<string>("ec2-ebs-key-access/failed-copies");
/** Requests found short of a key's permissions, by request sequence number, until their answer. */
const pending = stateMap<string>("ec2-ebs-key-access/pending");

/** One key and what EBS asks on it for this call. */
interface KeyNeed {
  keyArn: string;
  actions: readonly string[];
}

const inRegion = (req: StrictRequest, region: string): StrictRequest => ({ ...req, region });

/** The snapshot as moto has it, in the request's account and the given Region. */
const motoSnapshot = (ctx: RuleContext, req: StrictRequest, snapshotId: string) =>
  motoLookup<Snapshot>(
    ctx,
    req,
    async (ec2) =>
      (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots?.[0],
  );

/** The ARN of the key a snapshot is encrypted under (moto loses it on snapshots of volumes: theirs). */
async function snapshotKey(ctx: RuleContext, req: StrictRequest, s: Snapshot): Promise<string | undefined> {
  if (!s.Encrypted) return undefined;
  const id =
    s.KmsKeyId ??
    (s.VolumeId
      ? await motoLookup(
          ctx,
          req,
          async (ec2) =>
            (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [s.VolumeId!] }))).Volumes?.[0]?.KmsKeyId,
        )
      : undefined);
  return id ? keyArn(ctx, req, id) : undefined;
}

/** A key AWS manages (its alias is aws/...): its own policy admits the account through EC2. */
function awsManaged(ctx: RuleContext, req: StrictRequest, arn: string): Promise<boolean> {
  return remember(lookups(ctx, "aws-managed-key"), arn, async () => {
    try {
      const [, , , region = req.region, account = req.accountId] = arn.split(":");
      const r = await kmsOf(ctx, account, region).send(new ListAliasesCommand({ KeyId: arn }));
      return (r.Aliases ?? []).some((a) => a.AliasName?.startsWith("alias/aws/")) ? "yes" : "no";
    } catch {
      return "no";
    }
  }).then((v) => v === "yes");
}

/** The keys a CreateVolume or CopySnapshot makes EBS use, with what it asks on each. */
async function needs(ctx: RuleContext, req: StrictRequest): Promise<KeyNeed[]> {
  const p = req.params;
  const copy = req.operation === "CopySnapshot";
  const sourceReq = copy ? inRegion(req, p.SourceRegion || req.region) : req;
  const sourceId = copy ? p.SourceSnapshotId : p.SnapshotId;
  const source = sourceId ? await motoSnapshot(ctx, sourceReq, sourceId) : undefined;
  const sourceKey = source ? await snapshotKey(ctx, sourceReq, source) : undefined;
  const target = p.KmsKeyId ? await keyArn(ctx, req, p.KmsKeyId) : sourceKey;
  const out: KeyNeed[] = [];
  if (sourceKey && sourceKey !== target)
    out.push({ keyArn: sourceKey, actions: EBS_COPY_SOURCE_KMS_ACTIONS });
  if (target) out.push({ keyArn: target, actions: EBS_KMS_ACTIONS });
  const managed = await Promise.all(out.map((n) => awsManaged(ctx, req, n.keyArn)));
  return out.filter((_, i) => !managed[i]);
}

/** The refusals of a key's actions for the caller, as KMS would decide them for EBS; [] when all pass. */
async function refused(ctx: RuleContext, req: StrictRequest, need: KeyNeed): Promise<string[]> {
  const p = req.principal;
  const region = need.keyArn.split(":")[3] ?? req.region;
  const decisions = await Promise.all(
    need.actions.map(async (action) => {
      const d = await decide(ctx, {
        principal: p,
        action,
        resource: need.keyArn,
        context: {
          "aws:RequestedRegion": region,
          "kms:ViaService": `ec2.${region}.amazonaws.com`,
          "kms:CallerAccount": p.accountId,
          ...(action === "kms:CreateGrant" ? { "kms:GrantIsForAWSResource": "true" } : {}),
        },
      });
      return d.allowed ? undefined : `${action} on ${need.keyArn}: ${d.reason}`;
    }),
  );
  return decisions.filter((d): d is string => d !== undefined);
}

const slot = (req: StrictRequest, id: string) => `${req.accountId}/${req.region}/${id}`;

export const ec2EbsKeyAccess: StrictRule = {
  id: "ec2-ebs-key-access",
  title:
    "a volume from (or encrypted to) a KMS key, and a snapshot copy from or to one, need the caller allowed EBS's KMS actions on that key through EC2; without them the volume is created and then gone, the copy ends in error",
  source: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html",
  matches: (req) => isEc2(req, "CreateVolume", "CopySnapshot", "DescribeSnapshots"),
  async before(req, ctx) {
    const kind = req.principal.kind;
    if (req.operation === "DescribeSnapshots" || isTrue(req.params.DryRun)) return undefined;
    if (kind !== "role-session" && kind !== "admin") return undefined;
    const short = (await Promise.all((await needs(ctx, req)).map((n) => refused(ctx, req, n)))).flat();
    if (short.length > 0) pending(ctx).set(String(req.seq), short.join("; "));
    return undefined;
  },
  async after(req, answer, ctx) {
    if (answer.status !== 200) {
      pending(ctx).delete(String(req.seq));
      return;
    }
    if (req.operation === "DescribeSnapshots") return showSnapshots(req, answer, ctx);
    const why = pending(ctx).get(String(req.seq));
    if (why === undefined) return;
    pending(ctx).delete(String(req.seq));
    const xml = answer.body.toString("utf8");
    if (req.operation === "CopySnapshot") {
      const id = xmlTag(xml, "snapshotId");
      if (id) failedCopies(ctx).set(slot(req, id), COPY_FAILURE_MESSAGE);
      return;
    }
    // CreateVolume: the volume AWS answered with never becomes available; it is gone at once here.
    const volumeId = xmlTag(xml, "volumeId");
    if (volumeId)
      await ctx
        .moto(req.accountId, req.region)
        .ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId }))
        .catch(() => undefined);
    return {
      ...answer,
      body: Buffer.from(xml.replace(/<status>[^<]*<\/status>/, "<status>creating</status>")),
    };
  },
};

/** Failed copies shown in `error` with their message; encrypted snapshots with their key. */
async function showSnapshots(
  req: StrictRequest,
  answer: Answer,
  ctx: RuleContext,
): Promise<Answer | undefined> {
  const xml = answer.body.toString("utf8");
  const failed = failedCopies(ctx);
  const missingKey: Record<string, string | undefined> = {};
  for (const [start, end] of setItems(xml, "snapshotSet")) {
    const item = xml.slice(start, end);
    const id = xmlTag(item, "snapshotId") ?? "";
    if (xmlTag(item, "encrypted") === "true" && !xmlTag(item, "kmsKeyId"))
      missingKey[id] = await snapshotKey(ctx, req, {
        Encrypted: true,
        VolumeId: xmlTag(item, "volumeId") ?? "",
      });
  }
  if (failed.size === 0 && Object.keys(missingKey).length === 0) return;
  const out = editSetItems(xml, "snapshotSet", (item) => {
    const id = xmlTag(item, "snapshotId") ?? "";
    let edited = item;
    const key = missingKey[id];
    if (key) edited = setItemField(edited, "kmsKeyId", key);
    const message = failed.get(slot(req, id));
    if (message !== undefined)
      edited = setItemField(setItemField(edited, "status", "error"), "statusMessage", message);
    return edited;
  });
  return { ...answer, body: Buffer.from(out) };
}
