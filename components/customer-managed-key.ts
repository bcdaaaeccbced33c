import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { type CrossAccountReaders, type KeyPurpose, keyPolicy } from "./key-policies";
import { baseTags } from "./tags";

export interface CustomerManagedKeyArgs {
  /** What the key encrypts; selects the services its policy admits. */
  purpose: KeyPurpose;
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /**
   * Days a scheduled deletion waits (7–30): long, so a deleted key can be recovered before the logs
   * and evidence it protects become unreadable.
   * @default 30
   */
  deletionWindowDays?: number;
  /** Alerts key: admit Image Builder's service-linked role (build notifications). @default false */
  imageBuilderNotifications?: boolean;
  /** Evidence key: analysts of other accounts who decrypt evidence through S3. @default none */
  crossAccountReaders?: pulumi.Input<CrossAccountReaders | undefined>;
}

/** A symmetric KMS key with yearly rotation, a purpose-scoped key policy and an `alias/ir-<purpose>` alias. */
export class CustomerManagedKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly arn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: CustomerManagedKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:encryption:CustomerManagedKey", name, {}, opts);
    const window = args.deletionWindowDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30)
      throw new Error(`key deletion window ${window} is not allowed: expected whole days from 7 to 30`);
    this.key = new aws.kms.Key(
      name,
      {
        description: `incident-ready ${args.purpose} key`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: window,
        policy: pulumi
          .all([args.accountId, args.region, pulumi.output(args.crossAccountReaders)])
          .apply(([accountId, region, readers]) =>
            JSON.stringify(
              keyPolicy(args.purpose, {
                accountId,
                region,
                imageBuilderNotifications: args.imageBuilderNotifications,
                crossAccountReaders: readers?.accountIds.length ? readers : undefined,
              }),
            ),
          ),
        tags: baseTags({ Name: `${NAME_PREFIX}-${args.purpose}` }),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      name,
      { name: `alias/${NAME_PREFIX}-${args.purpose}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.keyId = this.key.keyId;
    this.registerOutputs({ arn: this.arn });
  }
}
