/**
 * The incident-ready baseline: `pulumi up` on this program prepares an AWS account for an EC2
 * compromise. It reads and validates the stack configuration (config/), then composes the components
 * (components/): global resources once, in the home region; regional ones in every configured region
 * through an explicit provider per region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertForwarding, forwardingRole } from "./components/alert-forwarding";
import { Alerting } from "./components/alerting";
import { AuditTrail, TRAIL_NAME } from "./components/audit-trail";
import { AutoContainment } from "./components/auto-containment";
import { configRole } from "./components/config-recording";
import { CustomerManagedKey } from "./components/customer-managed-key";
import { ForensicReadiness } from "./components/forensic-readiness";
import { responderSettings as settingsOf } from "./components/forensic-settings";
import { ForensicVpc } from "./components/forensic-vpc";
import { LogArchive } from "./components/log-archive";
import { analystsIn } from "./components/principals";
import { RegionalBaseline } from "./components/regional-baseline";
import { RoleWriter } from "./components/role-writer";
import { loadBaselineConfig } from "./config/pulumi-config";
import { evidenceBucketName, SSM } from "./facts";

const cfg = loadBaselineConfig();
const home = cfg.homeRegion;

// One explicit provider per region: nothing regional depends on the ambient aws:region.
const providers = new Map(
  cfg.regions.map((region) => [region, new aws.Provider(`aws-${region}`, { region: region as aws.Region })]),
);
const homeProvider = providers.get(home)!;
const inHome = { provider: homeProvider };
const accountId = aws.getCallerIdentityOutput({}, inHome).accountId;

// Encryption: one key per purpose; the EBS key is regional (created in each RegionalBaseline).
// The evidence bucket's name is derived, not read from the store, because the key comes first (the
// store is encrypted with it) and the alert rules name the bucket before the store exists.
const derivedEvidenceBucket = accountId.apply((a) => evidenceBucketName(a, home));
const auditKey = new CustomerManagedKey("audit", { purpose: "audit", accountId, region: home }, inHome);
const alertsKey = new CustomerManagedKey(
  "alerts",
  // The forensic AMI pipeline's build notifications go to the alert topic, encrypted with this key.
  { purpose: "alerts", accountId, region: home, imageBuilderNotifications: cfg.forensicAmiPipeline },
  inHome,
);
const evidenceKey = new CustomerManagedKey(
  "evidence",
  {
    purpose: "evidence",
    accountId,
    region: home,
    crossAccountReaders: derivedEvidenceBucket.apply((bucket) => ({
      accountIds: cfg.analystAccountIds,
      principalArns: analystsIn(cfg.analystPrincipals, cfg.analystAccountIds),
      bucketArn: `arn:aws:s3:::${bucket}`,
    })),
  },
  inHome,
);

// Audit logging.
const archive = new LogArchive(
  "log-archive",
  {
    accountId,
    kmsKeyArn: auditKey.arn,
    trailName: TRAIL_NAME,
    homeRegion: home,
    transitionDays: cfg.logArchiveTransitionDays,
    expirationDays: cfg.logArchiveExpirationDays,
    objectLockDays: cfg.logArchiveObjectLockDays,
    breakGlassPrincipalArn: cfg.breakGlassPrincipal || undefined,
  },
  inHome,
);
const trail = new AuditTrail(
  "audit-trail",
  {
    bucketName: archive.name,
    kmsKeyArn: auditKey.arn,
    logRetentionDays: cfg.logRetentionDays,
    dataEvents: cfg.trailDataEvents,
    insights: cfg.trailInsights,
    bucketPolicy: archive.bucket.policy,
  },
  inHome,
);

const homeBusArn = pulumi.interpolate`arn:aws:events:${home}:${accountId}:event-bus/default`;
const forwarder =
  cfg.regions.length > 1 || home !== "us-east-1"
    ? forwardingRole("alert-forwarding", homeBusArn, inHome)
    : undefined;

// Account-wide (not regional) guardrail.
if (cfg.accountGuardrails)
  new aws.s3.AccountPublicAccessBlock(
    "account-public-access-block",
    { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    inHome,
  );

const recorderRole =
  cfg.configRecorder === "create"
    ? configRole("config-recorder", archive.arn, auditKey.arn, inHome)
    : undefined;

// Forensic VPC first: like every VPC this project creates, it gets flow logs in the regional baseline.
const forensicVpc = new ForensicVpc(
  "forensic",
  { cidrBlock: cfg.forensicVpcCidr, azCount: cfg.forensicAzCount },
  inHome,
);

// Regional baseline in every region.
const regional = cfg.regions.map((region) => {
  const isHomeRegion = region === home;
  return new RegionalBaseline(
    `baseline-${region}`,
    {
      region,
      isHomeRegion,
      accountId,
      config: cfg,
      archiveBucketName: archive.name,
      archiveBucketArn: archive.arn,
      auditKeyArn: auditKey.arn,
      configRoleArn: recorderRole?.arn,
      forwarding: !isHomeRegion && forwarder ? { homeBusArn, roleArn: forwarder.arn } : undefined,
      // Protected VPCs always get flow logs: an isolation without flow logs cannot show what leaked.
      flowLogVpcIds: [
        ...new Set(
          cfg.flowLogVpcs
            .concat(cfg.protectedVpcs)
            .filter((v) => v.region === region)
            .map((v) => v.vpcId),
        ),
        ...(isHomeRegion ? [forensicVpc.vpcId] : []),
      ],
      protectedVpcIds: cfg.protectedVpcs.filter((v) => v.region === region).map((v) => v.vpcId),
    },
    { providers: [providers.get(region)!] },
  );
});

// Alerting: one topic in the home region; other regions forward their events to the home bus (after the
// regional baselines: the home region's EBS key is among the keys it watches).
const alerting = new Alerting(
  "alerting",
  {
    accountId,
    kmsKeyArn: alertsKey.arn,
    emails: cfg.alertEmails,
    minSeverity: cfg.alertMinSeverity,
    watchedBucketNames: [archive.name, derivedEvidenceBucket],
    watchedKeys: [auditKey, alertsKey, evidenceKey, ...regional[0].keys].map((k) => ({
      arn: k.arn,
      keyId: k.keyId,
    })),
  },
  inHome,
);

// Root console sign-ins are recorded in us-east-1: forward them from there when it is not a baseline region.
if (!providers.has("us-east-1") && forwarder) {
  const useast1 = new aws.Provider("aws-us-east-1-signin", { region: "us-east-1" });
  new AlertForwarding(
    "signin-forwarding",
    { homeBusArn, roleArn: forwarder.arn, minSeverity: cfg.alertMinSeverity, only: ["root-sign-in"] },
    { providers: [useast1] },
  );
}

// Forensic readiness: evidence store, responder access, forensic AMI, reference workload.
const homeBaseline = regional[0];
const readiness = new ForensicReadiness(
  "readiness",
  {
    config: cfg,
    forensicVpc,
    evidenceKmsKeyArn: evidenceKey.arn,
    responderKmsKeyArns: [evidenceKey.arn, ...regional.map((r) => r.ebsKey.arn)],
    logArchiveBucketArn: archive.arn,
    logArchiveKmsKeyArn: auditKey.arn,
    elbLogBucketName: homeBaseline.elbLogBucket.name,
    ebsKmsKeyArn: homeBaseline.ebsKey.arn,
    alertTopicArn: alerting.topicArn,
  },
  inHome,
);

// The only writer of role policies (revoke denies, the quarantine document): the responder invokes it.
const roleWriter = new RoleWriter(
  "role-writer",
  { logKmsKeyArn: auditKey.arn, logRetentionDays: cfg.logRetentionDays },
  inHome,
);

// What `ir` needs, as one document: a stack output (`pulumi stack output responderSettings > ir.config.json`)
// and an SSM parameter the responder reads when no config file is given.
export const responderSettings = settingsOf({
  region: home,
  accountId,
  evidenceKmsKeyArn: evidenceKey.arn,
  alertTopicArn: alerting.topicArn,
  evidence: readiness.evidence,
  access: readiness.access,
  isolation: regional.flatMap((r) => r.isolation),
  forensicVpc,
  forensicAmiParameter: readiness.forensicAmiParameter,
  captureTool: readiness.captureTool,
  // Its ARN: the function lives in the home Region, and ir invokes it from whichever Region a case is in.
  roleWriterFunction: roleWriter.functionArn,
});
new aws.ssm.Parameter(
  "responder-settings",
  {
    name: SSM.responderConfig,
    type: "String",
    tier: "Advanced",
    // Not a secret: names and ids only. (`value` would be stored as a secret by default.)
    insecureValue: responderSettings.apply((s) => JSON.stringify(s)),
    description: "incident-ready responder settings (read by `ir` when no config file is given)",
  },
  inHome,
);

// Automatic containment (off by default): GuardDuty findings about instances invoke the responder engine.
const autoContainment =
  cfg.autoContain === "off"
    ? undefined
    : new AutoContainment(
        "auto-containment",
        {
          mode: cfg.autoContain,
          minSeverity: cfg.autoContainMinSeverity,
          memoryCapture: cfg.autoContainMemoryCapture,
          roleArn: readiness.access.responderRoleArn,
          roleName: readiness.access.responderRoleName,
          alertTopicArn: alerting.topicArn,
          kmsKeyArn: alertsKey.arn,
          logKmsKeyArn: auditKey.arn,
          logRetentionDays: cfg.logRetentionDays,
        },
        inHome,
      );

export const homeRegion = home;
export const autoContainFunctionArn = autoContainment?.functionArn;
export const regions = cfg.regions;
export const trailArn = trail.arn;
export const logArchiveBucket = archive.name;
export const alertTopicArn = alerting.topicArn;
export const elbLogBuckets = Object.fromEntries(
  cfg.regions.map((r, i) => [r, regional[i].elbLogBucket.name]),
);
export const guardDutyDetectors = Object.fromEntries(cfg.regions.map((r, i) => [r, regional[i].detectorId]));
export const evidenceBucket = readiness.evidence.evidenceBucketName;
export const journalTable = readiness.evidence.journalTableName;
export const responderRoleArn = readiness.access.responderRoleArn;
export const forensicVpcId = forensicVpc.vpcId;
export const workload = readiness.workload
  ? {
      loadBalancerDnsName: readiness.workload.loadBalancerDnsName,
      autoScalingGroupName: readiness.workload.autoScalingGroupName,
    }
  : undefined;
export const kmsKeys = {
  evidence: evidenceKey.arn,
  audit: auditKey.arn,
  alerts: alertsKey.arn,
  ebs: Object.fromEntries(cfg.regions.map((r, i) => [r, regional[i].ebsKey.arn])),
};
