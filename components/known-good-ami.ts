/**
 * Known-good AMI parameter of one workload: `/ir/known-good-ami/<workload>`, a String parameter of
 * data type `aws:ec2:image` whose every version is an AMI id. The parameter's history, with its
 * timestamps, is the record of what was known good when: recovery picks the newest version published
 * before a compromise began. See docs/known-good-amis.md.
 *
 * Golden-image pipelines (ImagePipeline with `ssmParameterName: knownGoodAmiParameter(workload)`)
 * publish to it after their tests pass; people publish with `aws ssm put-parameter --overwrite`.
 * Pulumi therefore creates the parameter (when an initial AMI is given) but never writes its value
 * again, and keeps it when the stack is destroyed, because its history is evidence.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { knownGoodAmiParameter, MANAGED_BY, TAG } from "../facts";
import { checkIfPlain, validateAmiId, validateWorkloadName } from "./validation";

export interface KnownGoodAmiArgs {
  /** Workload name (lower-case letters, digits, -): the parameter is /ir/known-good-ami/<workload>. */
  workload: string;
  /**
   * AMI id to create the parameter with. Omit when a golden-image pipeline publishes the first
   * version (Image Builder creates the parameter on its first distribution).
   * @default no parameter is created by Pulumi
   */
  initialAmiId?: pulumi.Input<string>;
  /** @default "Known-good AMI of <workload> (ec2-incident-ready): each version is an AMI id" */
  description?: pulumi.Input<string>;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class KnownGoodAmi extends pulumi.ComponentResource {
  public readonly workload: string;
  public readonly parameterName: string;
  public readonly parameterArn: pulumi.Output<string>;
  /** The current AMI id as Pulumi created it (undefined when no initial AMI was given). */
  public readonly initialAmiId: pulumi.Output<string | undefined>;

  constructor(name: string, args: KnownGoodAmiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:images:KnownGoodAmi", name, {}, opts);
    validateWorkloadName(args.workload);
    checkIfPlain(args.initialAmiId, (v: string) =>
      validateAmiId(v, `initial known-good ami of ${args.workload}`),
    );
    const p = { parent: this };
    const parameterName = knownGoodAmiParameter(args.workload);
    const account = aws.getCallerIdentityOutput({}, p).accountId;
    const region = aws.getRegionOutput({}, p).region;
    const partition = aws.getPartitionOutput({}, p).partition;

    if (args.initialAmiId !== undefined)
      new aws.ssm.Parameter(
        `${name}-parameter`,
        {
          name: parameterName,
          type: "String",
          dataType: "aws:ec2:image",
          value: args.initialAmiId,
          description:
            args.description ??
            `Known-good AMI of ${args.workload} (ec2-incident-ready): each version is an AMI id`,
          tags: pulumi
            .output(args.tags ?? {})
            .apply((t) => ({ ...t, [TAG.workload]: args.workload, [TAG.managedBy]: MANAGED_BY })),
        },
        // Publishers own the value; the history must survive a stack destroy.
        { parent: this, ignoreChanges: ["value", "insecureValue"], retainOnDelete: true },
      );

    this.workload = args.workload;
    this.parameterName = parameterName;
    this.parameterArn = knownGoodAmiParameterArn(partition, region, account, args.workload);
    this.initialAmiId = pulumi.output(args.initialAmiId);
    this.registerOutputs({ parameterName, parameterArn: this.parameterArn });
  }
}

/** ARN of a workload's known-good parameter (for IAM policies of publishers and of recovery). */
export function knownGoodAmiParameterArn(
  partition: pulumi.Input<string>,
  region: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  workload: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${knownGoodAmiParameter(workload)}`;
}
