/**
 * The strict layer's contract: what a request looks like once parsed, what a rule may do with it, and
 * the context a rule gets (the layer's own state and admin clients straight to moto).
 *
 * A rule stands for one thing real AWS does that moto does not. It names the AWS documentation that says
 * so (`source`), and it acts at one or more of three points:
 * - `before`: refuse the request (answered in the service's wire shape; nothing reaches moto);
 * - `answer`: answer the request itself (moto lacks the call, or fakes it);
 * - `after`: record what moto's answer means for later requests, or rewrite the answer.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AwsClients } from "../../aws/clients";

/** Wire protocol of a service (decides the error shape). */
export type Protocol = "ec2" | "query" | "json" | "s3";

/** Who signed a request, as the strict layer knows it. */
export type Principal =
  | {
      /**
       * Credentials the layer did not issue (the test harness, the game day's seeding, a person
       * exploring): the account's administrator. Identity policies are not evaluated for it; resource
       * policies (bucket, key, trust) are, as AWS does for an administrator.
       */
      kind: "admin";
      accountId: string;
      arn: string;
    }
  | {
      /** Temporary credentials issued by STS AssumeRole through this layer. */
      kind: "role-session";
      accountId: string;
      /** arn:aws:iam::<account>:role/<name> */
      roleArn: string;
      roleName: string;
      sessionName: string;
      /** arn:aws:sts::<account>:assumed-role/<name>/<session> */
      arn: string;
      accessKeyId: string;
      issuedAt: number;
      expiresAt: number;
      /**
       * Instance-profile credentials (the SSM agent, or a copy stolen from IMDS): the instance's ARN,
       * which AWS puts in `ec2:SourceInstanceARN` on every request signed with them.
       */
      sourceInstanceArn?: string;
    }
  | {
      /**
       * EC2 itself, fetching an instance's role credentials for IMDS (the only principal an instance role
       * trusts). The game day plays a theft of instance credentials by signing AssumeRole with the access
       * key EC2_SERVICE_ACCESS_KEY and the instance id as session name: the session the layer learns then
       * carries ec2:SourceInstanceARN, as real instance credentials do.
       */
      kind: "service";
      accountId: string;
      arn: "ec2.amazonaws.com";
    }
  | { kind: "anonymous"; accountId: string; arn: "anonymous" };

export interface StrictRequest {
  /** Sequence number in this layer's life (logs, decisions). */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** SigV4 scope service (ec2, s3, iam, sts, autoscaling, elasticloadbalancing, ssm, dynamodb, kms...). */
  service: string;
  region: string;
  protocol: Protocol;
  /** The API operation: EC2 `ModifyNetworkInterfaceAttribute`, S3 `UploadPart`, SSM `SendCommand`... */
  operation: string;
  /** Query-protocol form parameters, flat as sent (`InstanceId.1`, `Filter.1.Name`...); {} otherwise. */
  params: Record<string, string>;
  /** JSON-protocol body, parsed; undefined otherwise. */
  json?: Record<string, unknown>;
  /** S3: bucket and key from the path-style URL. */
  s3?: { bucket?: string; key?: string };
  /** Access key id from the Authorization header or the presigned query; undefined when unsigned. */
  accessKeyId?: string;
  /** Signed in the query string (a presigned URL). */
  presigned: boolean;
  /** The account the request acts in (x-moto-account-id, else the credentials' account). */
  accountId: string;
  principal: Principal;
}

/** An answer in HTTP terms. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A refusal: the layer answers with this AWS error in the protocol's shape. */
export interface Refusal {
  status: number;
  /** AWS error code, e.g. "InvalidParameterValue", "RequestLimitExceeded", "AccessDenied". */
  code: string;
  message: string;
}

/** Per-layer state: each rule keeps its own slot; everything is forgotten on a moto reset. */
export interface StrictState {
  /** The rule's slot, created by `init` on first use and after every reset. */
  of<T>(slot: string, init: () => T): T;
  reset(): void;
}

export interface RuleContext {
  state: StrictState;
  /**
   * The layer's own endpoint, once it listens: code the layer runs in an account's name (a Lambda
   * function it plays) calls AWS through it, so its calls are authorised like any other.
   */
  endpoint?: string;
  /** Admin clients straight to moto (no rules), acting in `accountId`. Cached; do not destroy. */
  moto(accountId: string, region: string): AwsClients;
  /** The layer's clock (ms since the epoch); tests may move it. */
  now(): number;
  /**
   * Sends the request on to moto with another body (a rule working around a moto bug: the request AWS
   * takes, reshaped into one moto takes). Headers, method and URL as received.
   */
  forward(req: StrictRequest, body: Buffer): Promise<Answer>;
}

export interface StrictRule {
  /** Stable id, kebab-case, e.g. "ec2-conntrack-nitro-only". */
  id: string;
  /** What AWS does, one sentence. */
  title: string;
  /** The AWS documentation (or, where only an issue thread says it, that thread). */
  source: string;
  /** Cheap filter: does the rule look at this request at all? */
  matches(req: StrictRequest): boolean;
  /**
   * Refuse on the request line and headers alone, before the body is read: a declared Content-Length
   * over a limit must not make the layer wait for gigabytes. `req.body` is empty here and query-protocol
   * `params` are not parsed yet (S3 requests have their operation, bucket and key).
   */
  beforeBody?(req: StrictRequest, ctx: RuleContext): Refusal | undefined;
  before?(req: StrictRequest, ctx: RuleContext): Promise<Refusal | undefined> | Refusal | undefined;
  answer?(req: StrictRequest, ctx: RuleContext): Promise<Answer | undefined> | Answer | undefined;
  after?(
    req: StrictRequest,
    answer: Answer,
    ctx: RuleContext,
  ): Promise<Answer | undefined> | Answer | undefined | void;
}
