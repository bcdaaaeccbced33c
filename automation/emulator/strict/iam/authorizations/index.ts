/**
 * Request → authorisations, by SigV4 service name. A service or operation missing here is one the
 * layer cannot authorise: the rule refuses it (StrictLayerCannotAuthorize) rather than let it through.
 */
import type { RuleContext, StrictRequest } from "../../types";
import { autoscalingAuthorizations } from "./autoscaling";
import { cloudtrailAuthorizations } from "./cloudtrail";
import type { Authorization, Mapper } from "./common";
import { configAuthorizations } from "./config";
import { dynamodbAuthorizations } from "./dynamodb";
import { ec2Authorizations } from "./ec2";
import { elbAuthorizations } from "./elasticloadbalancing";
import { iamAuthorizations } from "./iam";
import { kmsAuthorizations } from "./kms";
import { lambdaAuthorizations } from "./lambda";
import { s3Authorizations } from "./s3";
import { snsAuthorizations } from "./sns";
import { ssmAuthorizations } from "./ssm";
import { stsAuthorizations } from "./sts";

export type { Authorization } from "./common";

/** Mapper per SigV4 service name; the file to extend is authorizations/<file>.ts. */
export const MAPPERS: Readonly<Record<string, { map: Mapper; file: string }>> = {
  ec2: { map: ec2Authorizations, file: "ec2.ts" },
  s3: { map: s3Authorizations, file: "s3.ts" },
  iam: { map: iamAuthorizations, file: "iam.ts" },
  sts: { map: stsAuthorizations, file: "sts.ts" },
  dynamodb: { map: dynamodbAuthorizations, file: "dynamodb.ts" },
  kms: { map: kmsAuthorizations, file: "kms.ts" },
  ssm: { map: ssmAuthorizations, file: "ssm.ts" },
  autoscaling: { map: autoscalingAuthorizations, file: "autoscaling.ts" },
  elasticloadbalancing: { map: elbAuthorizations, file: "elasticloadbalancing.ts" },
  sns: { map: snsAuthorizations, file: "sns.ts" },
  cloudtrail: { map: cloudtrailAuthorizations, file: "cloudtrail.ts" },
  config: { map: configAuthorizations, file: "config.ts" },
  lambda: { map: lambdaAuthorizations, file: "lambda.ts" },
};

/** Every authorisation the request needs, or undefined when the layer does not know the operation. */
export async function authorizationsFor(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const m = MAPPERS[req.service];
  return m ? m.map(req, ctx) : undefined;
}

/** The file to add an unmapped operation to. */
export const mapperFile = (service: string) =>
  `automation/emulator/strict/iam/authorizations/${MAPPERS[service]?.file ?? `${service}.ts (new; register it in index.ts)`}`;
