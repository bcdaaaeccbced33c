/**
 * The game day's verdict. Every check reads the emulated account (EC2, IAM, S3, Auto Scaling, ELB, the
 * journal table) and never trusts what the tool reported about itself: the responder could claim
 * "verified" and still be wrong, which is exactly what a game day is for. Checks run at the point where
 * their evidence exists: containment right after respond (a terminated instance has no ENIs left to
 * inspect), the workstation before it is stopped, recovery and termination at the end.
 */

import {
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { TAG } from "../../facts/tags";
import { verifyChain } from "../journal/chain";
import { findCase, openJournals } from "../journal/open";
import { credentialsRevoked, isolated, outOfService, profileSwapped } from "./check-containment";
import { checkEvidence } from "./check-evidence";
import { fleetHealthy, terminatedAfterEvidence } from "./check-recovery";
import { type Check, fail, guarded, pass, type Stage } from "./check-result";
import type { ScenarioRun } from "./lifecycle";
import type { PhaseApi } from "./phases";

export type { Check } from "./check-result";

async function journalChain(run: ScenarioRun, stage: Stage): Promise<Check> {
  const title = "case journal hash chain intact";
  const found = await findCase(openJournals(run.account.world, run.account.settings), run.caseId!);
  if (!found) return fail(stage, `journal-${stage}`, title, `case ${run.caseId} not found in the journal`);
  const chain = verifyChain(found.entries);
  return chain.ok
    ? pass(stage, `journal-${stage}`, title, `${found.entries.length} entries in ${found.journal.location}`)
    : fail(stage, `journal-${stage}`, title, chain.problem ?? "broken");
}

export async function containmentChecks(run: ScenarioRun): Promise<Check[]> {
  if (!run.caseId)
    return [
      fail("contained", "respond", "respond opened a case", run.respond?.error ?? "no case was opened"),
    ];
  const g = (id: string, title: string, f: () => Promise<Check>) => guarded("contained", id, title, f);
  return Promise.all([
    g("isolated", "every ENI is in the isolation group only", () => isolated(run)),
    g("out-of-service", "out of the Auto Scaling group and the target group", () => outOfService(run)),
    g("credentials-revoked", "role sessions issued before the response are denied", () =>
      credentialsRevoked(run),
    ),
    g("profile-swapped", "instance profile swapped to the deny-all profile", () => profileSwapped(run)),
    g("evidence", "evidence complete, hashes match, manifest locked", () => checkEvidence(run, "contained")),
    g("journal-contained", "case journal hash chain intact", () => journalChain(run, "contained")),
  ]);
}

export async function investigationChecks(run: ScenarioRun, phases: PhaseApi): Promise<Check[]> {
  const title = "forensic workstation in the forensic VPC with the case's snapshots attached";
  if ("missing" in phases.investigate)
    return [fail("investigated", "workstation", title, phases.investigate.missing)];
  return [
    await guarded("investigated", "workstation", title, async () => {
      const ws = run.investigate?.workstation;
      if (!ws)
        return fail(
          "investigated",
          "workstation",
          title,
          `investigate ended ${run.investigate?.status ?? "in an error"}: ${run.investigate?.error ?? "no workstation"}`,
        );
      const c = run.account.world.ec2;
      const i = (await c.send(new DescribeInstancesCommand({ InstanceIds: [ws.instanceId] })))
        .Reservations![0]!.Instances![0]!;
      const f = run.account.forensic;
      const groups = (i.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId));
      const snaps = new Set(
        (
          (
            await c.send(
              new DescribeSnapshotsCommand({
                Filters: [{ Name: `tag:${TAG.caseId}`, Values: [run.caseId!] }],
              }),
            )
          ).Snapshots ?? []
        ).map((s) => s.SnapshotId),
      );
      const vols =
        (
          await c.send(
            new DescribeVolumesCommand({
              Filters: [{ Name: "attachment.instance-id", Values: [ws.instanceId] }],
            }),
          )
        ).Volumes ?? [];
      const fromCase = vols.filter((v) => v.SnapshotId && snaps.has(v.SnapshotId));
      const problems = [
        ...(f.subnetIds.includes(i.SubnetId ?? "") ? [] : [`subnet ${i.SubnetId} is not a forensic subnet`]),
        ...(groups.length > 0 && groups.every((g) => g === f.workstationSecurityGroupId)
          ? []
          : [`groups ${groups.join(", ")}`]),
        ...(fromCase.length > 0 && fromCase.length >= snaps.size
          ? []
          : [`${fromCase.length} of ${snaps.size} case snapshot(s) attached`]),
      ];
      return problems.length
        ? fail("investigated", "workstation", title, problems.join("; "))
        : pass(
            "investigated",
            "workstation",
            title,
            `${ws.instanceId} in ${i.SubnetId}, ${fromCase.length} evidence volume(s) attached`,
          );
    }),
  ];
}

export async function finalChecks(run: ScenarioRun, phases: PhaseApi): Promise<Check[]> {
  const out: Check[] = [];
  const analyzeTitle = "analysis names the attacker's addresses";
  if ("missing" in phases.analyzeCase)
    out.push(fail("final", "analysis", analyzeTitle, phases.analyzeCase.missing));
  else {
    const text = JSON.stringify(run.analyze?.attackerIps ?? null);
    const missed = run.scenario.attackerIps.filter((ip) => !text.includes(ip));
    out.push(
      run.analyze?.status === "analyzed" && missed.length === 0
        ? pass("final", "analysis", analyzeTitle, `found ${run.scenario.attackerIps.join(", ")}`)
        : fail(
            "final",
            "analysis",
            analyzeTitle,
            `analysis ${run.analyze?.status ?? "did not run"}${missed.length ? `; missed ${missed.join(", ")}` : ""}${run.analyze?.error ? `: ${run.analyze.error}` : ""}`,
          ),
    );
  }
  const recoverTitle = "capacity healthy on the known-good AMI";
  if ("missing" in phases.recover) {
    out.push(fail("final", "fleet-healthy", recoverTitle, phases.recover.missing));
    out.push(
      fail(
        "final",
        "terminated",
        "compromised instance terminated",
        `not attempted: ${phases.recover.missing}`,
      ),
    );
  } else {
    out.push(await guarded("final", "fleet-healthy", recoverTitle, () => fleetHealthy(run)));
    out.push(
      ...(await terminatedAfterEvidence(run).catch((err: Error) => [
        fail("final", "terminated", "compromised instance terminated", err.message),
      ])),
    );
  }
  out.push(
    await guarded("final", "evidence-kept", "evidence still complete and locked after termination", () =>
      checkEvidence(run, "final"),
    ),
  );
  out.push(
    await guarded("final", "journal-final", "case journal hash chain intact", () =>
      journalChain(run, "final"),
    ),
  );
  return out;
}
