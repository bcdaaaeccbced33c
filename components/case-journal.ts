/**
 * The DynamoDB case journal of the evidence store, and its resource policy: only the responder role
 * writes entries, only administrators (and the account root) change the table or the policy.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JOURNAL_KEYS } from "../facts";
import { journalTablePolicy } from "./evidence-policies";

export interface CaseJournalArgs {
  tableName: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  responderRoleArn: pulumi.Input<string>;
  /** `aws:PrincipalArn` patterns that may change the table and its policy (the deployer first). */
  administratorPrincipalArns: pulumi.Input<string[]>;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Declares the journal table and its resource policy as children of `parent`. */
export function caseJournal(
  name: string,
  args: CaseJournalArgs,
  parent: pulumi.Resource,
): aws.dynamodb.Table {
  const table = new aws.dynamodb.Table(
    name,
    {
      name: args.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: JOURNAL_KEYS.partition,
      rangeKey: JOURNAL_KEYS.sort,
      attributes: [
        { name: JOURNAL_KEYS.partition, type: "S" },
        { name: JOURNAL_KEYS.sort, type: "S" },
      ],
      serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      tags: args.tags,
    },
    { parent },
  );
  // IAM alone let any principal with broad DynamoDB rights rewrite the hash-chained entries (the chain
  // shows it, but the entries are gone). A table's resource policy binds every principal of the account
  // whatever its identity policies grant: writes only by the responder role. The deployer is never
  // refused the policy it writes, so no ConfirmRemoveSelfResourceAccess is needed.
  new aws.dynamodb.ResourcePolicy(
    `${name}-policy`,
    {
      resourceArn: table.arn,
      policy: pulumi
        .all([
          table.arn,
          args.responderRoleArn,
          args.administratorPrincipalArns,
          args.accountId,
          args.partition,
        ])
        .apply(([tableArn, responder, admins, account, partition]) =>
          JSON.stringify(
            journalTablePolicy({
              tableArn,
              responderRoleArn: responder,
              admins,
              accountRootArn: `arn:${partition}:iam::${account}:root`,
            }),
          ),
        ),
    },
    { parent },
  );
  return table;
}
