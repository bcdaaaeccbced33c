/**
 * The state behind bench/fake-aws.ts: N instances of a web fleet (one ENI, one volume, in an Auto
 * Scaling group and a target group, sharing an instance profile), the baseline's groups and deny-all
 * profile, and the answers, in each service's wire format, to the calls the contain playbook makes.
 * State changes (groups, attributes, tags, profile, ASG membership, targets, policies, snapshots,
 * evidence objects) are kept, so verification reads back what the run did, as on AWS. The journal table
 * accepts every write (its latency is modelled, not its conditions: the bench has no competing run).
 */
import { OPS } from "./fake-ops";
import { esc } from "./fake-xml";

export type Protocol = "ec2" | "query" | "json" | "s3";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  unsupported?: boolean;
}

interface Call {
  service: string;
  action: string;
  protocol: Protocol;
  body: string;
  request: {
    method: string;
    path: string;
    hostname: string;
    query?: Record<string, unknown>;
    headers: Record<string, string>;
  };
}

export interface FakeInstance {
  id: string;
  eni: string;
  ip: string;
  volume: string;
  associationId: string;
  profileArn: string;
  groups: string[];
  tcpEstablished: number;
  inAsg: boolean;
  protectedFromScaleIn: boolean;
  attributes: {
    disableApiTermination: boolean;
    disableApiStop?: boolean;
    shutdown: string;
    deleteOnTermination: boolean;
  };
  tags: Map<string, string>;
}

const hex = (prefix: string, n: number) => `${prefix}-${n.toString(16).padStart(17, "0")}`;
const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

export class FakeWorld {
  readonly account = "123456789012";
  readonly region = "us-east-1";
  readonly vpcId = hex("vpc", 0xbe1);
  readonly subnetId = hex("subnet", 0xbe1);
  readonly webGroup = hex("sg", 0x1eb);
  readonly untrackGroup = hex("sg", 0x1a1);
  readonly isolationGroup = hex("sg", 0x1a2);
  readonly forensicGroup = hex("sg", 0x1a3);
  readonly asgName = "bench-asg";
  readonly roleName = "bench-role";
  readonly profileName = "bench-profile";
  readonly targetGroupArn: string;
  readonly instances: FakeInstance[] = [];
  readonly byId = new Map<string, FakeInstance>();
  readonly registered = new Set<string>();
  readonly policies = new Map<string, string>();
  readonly snapshots: { id: string; volumeId: string; tags: Map<string, string> }[] = [];
  readonly objects = new Map<string, { body: string; headers: Record<string, string> }>();

  constructor(
    count: number,
    readonly denyAllProfile = "ir-deny-all",
  ) {
    this.targetGroupArn = `arn:aws:elasticloadbalancing:${this.region}:${this.account}:targetgroup/bench-tg/0123456789abcdef`;
    for (let k = 1; k <= count; k++) {
      const inst: FakeInstance = {
        id: hex("i", k),
        eni: hex("eni", k),
        ip: `10.0.${Math.floor(k / 250)}.${(k % 250) + 4}`,
        volume: hex("vol", k),
        associationId: hex("iip-assoc", k),
        profileArn: this.profileArn(this.profileName),
        groups: [this.webGroup],
        tcpEstablished: 432000,
        inAsg: true,
        protectedFromScaleIn: false,
        attributes: { disableApiTermination: false, shutdown: "terminate", deleteOnTermination: true },
        tags: new Map([["aws:autoscaling:groupName", this.asgName]]),
      };
      this.instances.push(inst);
      this.byId.set(inst.id, inst);
      this.registered.add(inst.id);
    }
  }

  profileArn(name: string): string {
    return `arn:aws:iam::${this.account}:instance-profile/${name}`;
  }

  error(protocol: Protocol, _action: string, status: number, code: string, message: string): Answer {
    if (protocol === "ec2")
      return this.xmlAnswer(
        `<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>fake</RequestID></Response>`,
        status,
      );
    if (protocol === "json")
      return {
        status,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code },
        body: JSON.stringify({ __type: code, message }),
      };
    if (protocol === "s3")
      return this.xmlAnswer(`<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`, status);
    return this.xmlAnswer(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
      status,
    );
  }

  private xmlAnswer(body: string, status = 200): Answer {
    return { status, headers: { "content-type": "text/xml" }, body };
  }

  private ec2(action: string, inner: string): Answer {
    return this.xmlAnswer(
      `<${action}Response xmlns="${EC2_NS}"><requestId>fake</requestId>${inner}</${action}Response>`,
    );
  }

  private query(action: string, inner: string): Answer {
    return this.xmlAnswer(
      `<${action}Response><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
    );
  }

  /** Answers one call (every call the contain playbook makes; others are errors naming the call). */
  answer(call: Call): Answer {
    if (call.protocol === "json") return this.json(call);
    if (call.protocol === "s3") return this.s3(call);
    const q = new URLSearchParams(call.body);
    const handler = (OPS as Record<string, (w: FakeWorld, q: URLSearchParams) => Answer>)[
      `${call.service}:${call.action}`
    ];
    if (!handler) {
      const a = this.error(
        call.protocol,
        call.action,
        400,
        "UnsupportedOperation",
        `${call.service}:${call.action} is not modelled by the benchmark`,
      );
      return { ...a, unsupported: true };
    }
    return handler(this, q);
  }

  instance(id: string): FakeInstance | undefined {
    return this.byId.get(id);
  }

  ec2Answer = (action: string, inner: string) => this.ec2(action, inner);
  queryAnswer = (action: string, inner: string) => this.query(action, inner);

  private json(call: Call): Answer {
    const ok = (o: object): Answer => ({
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: JSON.stringify(o),
    });
    if (call.service === "ssm" && call.action === "DescribeInstanceInformation")
      return ok({ InstanceInformationList: [] });
    if (call.service === "dynamodb") return ok(call.action === "Query" ? { Items: [], Count: 0 } : {});
    return {
      ...this.error(
        "json",
        call.action,
        400,
        "UnsupportedOperation",
        `${call.service}:${call.action} is not modelled`,
      ),
      unsupported: true,
    };
  }

  private s3(call: Call): Answer {
    const r = call.request;
    const bucket = r.hostname.split(".s3.")[0]!;
    const key = `${bucket}${r.path}`;
    const query = r.query ?? {};
    if ("object-lock" in query)
      return this.xmlAnswer(
        "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>365</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
      );
    if (r.path === "/" || r.path === "") return { status: 200, headers: {}, body: "" };
    if (r.method === "PUT") {
      const meta = Object.fromEntries(
        Object.entries(r.headers).filter(([k]) => /^x-amz-meta-|^content-type$/i.test(k)),
      );
      // The evidence bucket's default retention (compliance mode, one year) applies to every object.
      const headers = {
        ...meta,
        etag: `"${this.objects.size.toString(16).padStart(32, "0")}"`,
        "x-amz-version-id": `v${this.objects.size}`,
        "x-amz-object-lock-mode": "COMPLIANCE",
        "x-amz-object-lock-retain-until-date": new Date(Date.now() + 365 * 86_400_000).toISOString(),
      };
      this.objects.set(key, { body: call.body, headers });
      return { status: 200, headers, body: "" };
    }
    const found = this.objects.get(key);
    if (!found)
      return {
        ...this.error("s3", "GetObject", 404, "NoSuchKey", `no object ${key}`),
        body: r.method === "HEAD" ? "" : "<Error><Code>NoSuchKey</Code></Error>",
      };
    const headers = { ...found.headers, "content-length": String(Buffer.byteLength(found.body)) };
    return { status: 200, headers, body: r.method === "HEAD" ? "" : found.body };
  }
}
