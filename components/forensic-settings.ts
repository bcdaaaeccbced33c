/**
 * Assembles the `ResponderSettings` document (facts/responder-settings.ts) from the forensic-readiness
 * components, so index.ts can export it as the `responderSettings` stack output and publish it to the
 * SSM parameter `SSM.responderConfig` without repeating field by field what each component exposes.
 */
import * as pulumi from "@pulumi/pulumi";
import type { IsolationGroupIds, ResponderSettings } from "../facts";
import type { CaptureToolPin } from "../facts/responder-settings";
import type { EvidenceStore } from "./evidence-store";
import type { ForensicVpc } from "./forensic-vpc";
import type { IsolationGroups } from "./isolation-groups";
import type { ResponderAccess } from "./responder-access";

export interface ResponderSettingsInputs {
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  evidenceKmsKeyArn: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
  evidence: Pick<EvidenceStore, "evidenceBucketName" | "toolsBucketName" | "journalTableName">;
  access: Pick<ResponderAccess, "denyAllInstanceProfileName" | "responderRoleArn">;
  /** One IsolationGroups per protected VPC (all regions' VPCs may be mixed: ids are unique). */
  isolation: Pick<IsolationGroups, "vpcId" | "ids">[];
  forensicVpc: Pick<
    ForensicVpc,
    "vpcId" | "subnetIds" | "workstationSecurityGroupId" | "workstationInstanceProfileName"
  >;
  /** SSM parameter of the forensic AMI (ForensicAmi.amiParameterName, or SSM.forensicAmi). */
  forensicAmiParameter: pulumi.Input<string>;
  /** The memory-capture tool and its pin (ForensicReadiness.captureTool). */
  captureTool?: CaptureToolPin;
  /** The role writer function's ARN (RoleWriter.functionArn): `ir` writes role policies through it. */
  roleWriterFunction?: pulumi.Input<string>;
}

export function responderSettings(i: ResponderSettingsInputs): pulumi.Output<ResponderSettings> {
  const isolationGroups = pulumi
    .all(i.isolation.map((g) => g.ids))
    .apply(
      (ids) =>
        Object.fromEntries(ids.map((v, n) => [i.isolation[n]!.vpcId, v])) as Record<
          string,
          IsolationGroupIds
        >,
    );
  const forensic = pulumi.all([
    i.forensicVpc.vpcId,
    i.forensicVpc.subnetIds,
    i.forensicVpc.workstationSecurityGroupId,
    i.forensicVpc.workstationInstanceProfileName,
    pulumi.output(i.forensicAmiParameter),
  ]);
  return pulumi
    .all([
      pulumi.all([pulumi.output(i.region), pulumi.output(i.accountId), pulumi.output(i.evidenceKmsKeyArn)]),
      pulumi.all([i.evidence.evidenceBucketName, i.evidence.toolsBucketName, i.evidence.journalTableName]),
      pulumi.all([
        i.access.denyAllInstanceProfileName,
        i.access.responderRoleArn,
        pulumi.output(i.alertTopicArn),
      ]),
      isolationGroups,
      forensic,
      // "" when there is none (an unset Input would leave the whole output unresolved under mocks).
      pulumi.output(i.roleWriterFunction ?? ""),
    ])
    .apply(
      ([
        [region, accountId, evidenceKmsKeyArn],
        [evidenceBucket, toolsBucket, journalTable],
        [denyAllInstanceProfile, responderRoleArn, alertTopicArn],
        groups,
        [vpcId, subnetIds, workstationSecurityGroupId, workstationInstanceProfile, amiParameter],
        roleWriterFunction,
      ]) => ({
        region,
        accountId,
        evidenceBucket,
        toolsBucket,
        journalTable,
        evidenceKmsKeyArn,
        denyAllInstanceProfile,
        responderRoleArn,
        isolationGroups: groups,
        forensic: { vpcId, subnetIds, workstationSecurityGroupId, workstationInstanceProfile, amiParameter },
        alertTopicArn,
        ...(i.captureTool ? { captureTool: i.captureTool } : {}),
        ...(roleWriterFunction ? { roleWriterFunction } : {}),
      }),
    );
}
