/**
 * What the responder needs to know about an account, as the baseline publishes it (stack output
 * `responderSettings`, and the SSM parameter `SSM.responderConfig` as JSON) and as `ir` reads it from
 * its config file. One shape, so `pulumi stack output responderSettings > ir.config.json` just works.
 */
export interface IsolationGroupIds {
  untrack: string;
  isolation: string;
  forensicEgress: string;
}

export interface ResponderSettings {
  /** Home region of the baseline. */
  region: string;
  /** Account id the baseline was deployed to. */
  accountId: string;
  /** Object-Lock (compliance) evidence bucket. */
  evidenceBucket: string;
  /** Bucket holding pinned capture binaries (AVML...). */
  toolsBucket: string;
  /** DynamoDB case journal table. */
  journalTable: string;
  /** KMS key (ARN) that encrypts evidence and snapshots copied by the responder. */
  evidenceKmsKeyArn: string;
  /** Deny-all instance profile name. */
  denyAllInstanceProfile: string;
  /** Responder role ARN. */
  responderRoleArn: string;
  /** Isolation groups per protected VPC id. */
  isolationGroups: Record<string, IsolationGroupIds>;
  /** Forensic VPC for investigation workstations. */
  forensic: {
    vpcId: string;
    subnetIds: string[];
    workstationSecurityGroupId: string;
    workstationInstanceProfile: string;
    /** SSM parameter holding the newest forensic AMI id. */
    amiParameter: string;
  };
  /** SNS topic for alerts and approval requests. */
  alertTopicArn: string;
  /**
   * The memory-capture tool in the tools bucket and its pinned SHA-256 (from the stack config's avml
   * pin). The pin lives here, never beside the binary: whoever can replace the object could replace
   * metadata kept with it, and the binary runs as root on the host.
   */
  captureTool?: CaptureToolPin;
  /**
   * The role writer function (`ir-role-writer`): the only principal of the baseline that may write a
   * role's inline policies, and only the fixed revoke and quarantine documents. `ir` asks it for every
   * such write; unset (no baseline), `ir` writes with its own credentials.
   */
  roleWriterFunction?: string;
  // (Its ARN: the function lives in the baseline's home Region; cases may be in any configured Region.)
}

export interface CaptureToolPin {
  /** Key in the tools bucket. */
  key: string;
  /** 64 lower-case hex digits. */
  sha256: string;
}
