import { one, spec } from "../harness";
import { T } from "./types";

const CLASSIC_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy";

const trail = {
  s3BucketName: "trail-b",
  isMultiRegionTrail: true,
  includeGlobalServiceEvents: true,
  enableLogFileValidation: true,
  kmsKeyId: "arn:aws:kms:us-east-1:1:key/k",
};

export const multiRegion = spec({
  policy: "cloudtrail-multi-region",
  compliant: [one("multi-region trail", T.trail, trail)],
  noncompliant: [
    one("single region", T.trail, { ...trail, isMultiRegionTrail: false }),
    one("not set", T.trail, { s3BucketName: "b" }),
    one(
      "global events off",
      T.trail,
      { ...trail, includeGlobalServiceEvents: false },
      { expect: "IAM and STS" },
    ),
    one("logging off", T.trail, { ...trail, enableLogging: false }, { expect: "records nothing" }),
  ],
});
export const validation = spec({
  policy: "cloudtrail-log-validation",
  compliant: [one("validation on", T.trail, trail)],
  noncompliant: [one("validation off", T.trail, { ...trail, enableLogFileValidation: false })],
});
export const trailKms = spec({
  policy: "cloudtrail-kms",
  compliant: [one("KMS key", T.trail, trail)],
  noncompliant: [one("no key", T.trail, { ...trail, kmsKeyId: undefined })],
});

export const accessLogs = spec({
  policy: "elb-access-logs",
  compliant: [
    one("ALB with logs", T.lb, {
      loadBalancerType: "application",
      accessLogs: { bucket: "logs", enabled: true },
    }),
    one("legacy alb token with logs", T.alb, { accessLogs: { bucket: "logs", enabled: true } }),
    one("network LB not checked by default", T.lb, { loadBalancerType: "network" }),
    one("classic ELB with an access log block", T.elb, { listeners: [], accessLogs: { bucket: "logs" } }),
  ],
  noncompliant: [
    one("ALB without logs", T.lb, { loadBalancerType: "application" }),
    one("ALB logs disabled", T.alb, { accessLogs: { bucket: "logs", enabled: false } }),
    one("classic ELB without logs", T.elb, { listeners: [] }),
    one(
      "network LB when configured",
      T.lb,
      { loadBalancerType: "network" },
      { config: { loadBalancerTypes: ["network"] } },
    ),
  ],
});

const redirect = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };
export const httpRedirect = spec({
  policy: "elb-http-redirects-to-https",
  compliant: [
    one("HTTP redirects to HTTPS", T.listener, {
      loadBalancerArn: "arn",
      port: 80,
      protocol: "HTTP",
      defaultActions: [redirect],
    }),
    one("HTTPS listener forwarding", T.listener, {
      loadBalancerArn: "arn",
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
    }),
    one("classic ELB on HTTPS", T.elb, {
      listeners: [{ lbProtocol: "https", lbPort: 443, instanceProtocol: "http", instancePort: 80 }],
    }),
  ],
  noncompliant: [
    one("HTTP forwarding", T.listener, {
      loadBalancerArn: "arn",
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
    }),
    one("redirect to HTTP", T.listener, {
      loadBalancerArn: "arn",
      protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080" } }],
    }),
    one("classic ELB serving HTTP", T.elb, {
      listeners: [{ lbProtocol: "http", lbPort: 80, instanceProtocol: "http", instancePort: 80 }],
    }),
  ],
});

export const tls = spec({
  policy: "elb-tls-policy",
  compliant: [
    one("TLS 1.3 policy", T.listener, {
      loadBalancerArn: "arn",
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultActions: [],
    }),
    ...[
      "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-FS-1-2-2019-08",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ].map((sslPolicy) =>
      one(`AWS-recommended policy ${sslPolicy}`, T.listener, {
        loadBalancerArn: "arn",
        protocol: "HTTPS",
        sslPolicy,
        defaultActions: [],
      }),
    ),
    one("a later TLS13-1-2 policy passes by AWS's naming, without a code change", T.listener, {
      loadBalancerArn: "arn",
      protocol: "TLS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2027-03",
      defaultActions: [],
    }),
    one("a later FS-1-2 policy passes by AWS's naming", T.listener, {
      loadBalancerArn: "arn",
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-FS-1-2-Res-2027-03",
      defaultActions: [],
    }),
    one(
      "requireForwardSecrecy accepts a forward-secrecy-only policy",
      T.listener,
      {
        loadBalancerArn: "arn",
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        defaultActions: [],
      },
      { config: { requireForwardSecrecy: true } },
    ),
    one(
      "allowedPolicies, when set, accepts exactly its names",
      T.listener,
      { loadBalancerArn: "arn", protocol: "HTTPS", sslPolicy: "MyCompany-Approved", defaultActions: [] },
      { config: { allowedPolicies: ["MyCompany-Approved"] } },
    ),
    one("classic ELB policy referencing TLS 1.2", CLASSIC_POLICY, {
      loadBalancerName: "lb",
      policyName: "tls",
      policyTypeName: "SSLNegotiationPolicyType",
      policyAttributes: [{ name: "Reference-Security-Policy", value: "ELBSecurityPolicy-TLS-1-2-2017-01" }],
    }),
    one("classic ELB policy of another type", CLASSIC_POLICY, {
      loadBalancerName: "lb",
      policyName: "p",
      policyTypeName: "ProxyProtocolPolicyType",
      policyAttributes: [{ name: "ProxyProtocol", value: "true" }],
    }),
    one("plain HTTP listener is not in scope", T.listener, {
      loadBalancerArn: "arn",
      protocol: "HTTP",
      defaultActions: [],
    }),
  ],
  noncompliant: [
    one("2016-08 policy", T.listener, {
      loadBalancerArn: "arn",
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-2016-08",
      defaultActions: [],
    }),
    one(
      "TLS13 policy that still accepts TLS 1.1",
      T.listener,
      {
        loadBalancerArn: "arn",
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-1-2021-06",
        defaultActions: [],
      },
      { expect: "accepts TLS 1.1" },
    ),
    one(
      "a later TLS13-1-0 name fails by AWS's naming",
      T.listener,
      {
        loadBalancerArn: "arn",
        protocol: "TLS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-0-PQ-2027-03",
        defaultActions: [],
      },
      { expect: "accepts TLS 1.0" },
    ),
    one(
      "FS-1-1 policy (forward secrecy, but TLS 1.1)",
      T.listener,
      {
        loadBalancerArn: "arn",
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-FS-1-1-2019-08",
        defaultActions: [],
      },
      { expect: "accepts TLS 1.1" },
    ),
    one(
      "an unknown policy name stays a violation",
      T.listener,
      { loadBalancerArn: "arn", protocol: "HTTPS", sslPolicy: "MyCompany-Policy", defaultActions: [] },
      { expect: "not a predefined ELB security policy" },
    ),
    one(
      "requireForwardSecrecy rejects a policy with RSA key exchange suites",
      T.listener,
      {
        loadBalancerArn: "arn",
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        defaultActions: [],
      },
      { config: { requireForwardSecrecy: true }, expect: "without forward secrecy" },
    ),
    one(
      "classic ELB policy referencing 2016-08",
      CLASSIC_POLICY,
      {
        loadBalancerName: "lb",
        policyName: "tls",
        policyTypeName: "SSLNegotiationPolicyType",
        policyAttributes: [{ name: "Reference-Security-Policy", value: "ELBSecurityPolicy-2016-08" }],
      },
      { expect: "ELBSecurityPolicy-2016-08" },
    ),
    one(
      "classic ELB custom policy enabling TLS 1.0",
      CLASSIC_POLICY,
      {
        loadBalancerName: "lb",
        policyName: "tls",
        policyTypeName: "SSLNegotiationPolicyType",
        policyAttributes: [
          { name: "Protocol-TLSv1", value: "true" },
          { name: "Protocol-TLSv1.2", value: "true" },
        ],
      },
      { expect: "Protocol-TLSv1" },
    ),
    one(
      "no policy on a TLS (NLB) listener",
      T.listener,
      { loadBalancerArn: "arn", protocol: "TLS", defaultActions: [] },
      { expect: "not set" },
    ),
  ],
});

export const rotation = spec({
  policy: "kms-key-rotation",
  compliant: [
    one("rotation on", T.kmsKey, { enableKeyRotation: true }),
    one("asymmetric signing key (cannot rotate)", T.kmsKey, {
      customerMasterKeySpec: "RSA_2048",
      keyUsage: "SIGN_VERIFY",
    }),
    one("HMAC key", T.kmsKey, { customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" }),
  ],
  noncompliant: [
    one("rotation not set", T.kmsKey, {}),
    one("rotation off", T.kmsKey, { enableKeyRotation: false, description: "k" }),
  ],
});
