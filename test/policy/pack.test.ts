import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { RULES } from "../../policy/lib/define";
import { isUnknown, UNKNOWN_SENTINELS } from "../../policy/lib/unknown";
import { policies } from "../../policy/policies";
import { T } from "./cases/types";
import { check, remediate } from "./harness";

const awsTokens = (() => {
  const root = path.dirname(require.resolve("@pulumi/aws/package.json"));
  const tokens = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== "node_modules") walk(p);
      else if (e.name.endsWith(".js"))
        for (const m of fs
          .readFileSync(p, "utf8")
          .matchAll(/"(aws:[A-Za-z0-9]+\/[A-Za-z0-9]+:[A-Za-z0-9]+)"/g))
          tokens.add(m[1]);
    }
  };
  walk(root);
  return tokens;
})();

describe("policy pack: catalogue", () => {
  it("has at least 30 policies with unique kebab-case names", () => {
    expect(policies.length).to.be.at.least(30);
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const n of names) expect(n).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("each policy lives in its own file, policies/<service>/<policy-name>.ts", () => {
    const root = path.join(__dirname, "..", "..", "policy", "policies");
    const files = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => fs.readdirSync(path.join(root, d.name)));
    for (const p of policies) expect(files, p.name).to.include(`${p.name}.ts`);
    expect(files.length).to.equal(policies.length);
  });

  it("every policy has a risk description, severity, remediation steps and a config schema with exemptions", () => {
    for (const p of policies) {
      expect(p.description.length, p.name).to.be.greaterThan(60);
      expect(p.severity, p.name).to.be.oneOf(["low", "medium", "high", "critical"]);
      expect(p.remediationSteps?.length, p.name).to.be.greaterThan(10);
      expect(p.configSchema?.properties.exemptions, p.name).to.exist;
    }
  });

  it("every resource type a policy names exists in @pulumi/aws v7", () => {
    for (const rule of RULES.values())
      for (const t of rule.resourceTypes)
        if (t !== "*") expect(awsTokens.has(t), `${rule.name}: ${t}`).to.equal(true);
  });

  it("facts/policy-names.ts lists exactly the pack's policies (exemption tags written by components agree)", () => {
    const { POLICY, policyExemptionTag } = require("../../facts/policy-names");
    expect(Object.values(POLICY).sort()).to.deep.equal(policies.map((p) => p.name).sort());
    expect(policyExemptionTag("ec2-no-public-ip")).to.equal("ir:policy-exempt:ec2-no-public-ip");
  });

  it("CIS ids and Config rules are well-formed", () => {
    for (const rule of RULES.values()) {
      for (const c of rule.cis ?? []) expect(c).to.match(/^\d+(\.\d+)+$/);
      if (rule.configRule) expect(rule.configRule).to.match(/^[a-z0-9-]+$/);
    }
  });

  it("the unknown sentinels match @pulumi/policy's", () => {
    const proxy = require("@pulumi/policy/proxy");
    for (const k of [
      "unknownStringValue",
      "unknownBooleanValue",
      "unknownNumberValue",
      "unknownArrayValue",
      "unknownObjectValue",
      "unknownAssetValue",
      "unknownArchiveValue",
    ])
      expect(UNKNOWN_SENTINELS).to.include(proxy[k]);
    expect(isUnknown(require("@pulumi/pulumi/runtime/rpc").unknownValue)).to.equal(true);
  });
});

describe("policy pack: the example pack config (policy/pack-config.example.json)", () => {
  it("is accepted by every policy", async () => {
    const { runPolicies } = await import("../../policy/lib/run");
    const config = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "..", "policy", "pack-config.example.json"), "utf8"),
    );
    const { all: _all, ...perPolicy } = config;
    for (const name of Object.keys(perPolicy))
      expect(
        policies.map((p) => p.name),
        name,
      ).to.include(name);
    const resources = [...RULES.values()].flatMap((r) =>
      r.resourceTypes
        .filter((t) => t !== "*")
        .map((t, i) => ({ type: t, name: `${r.name}-${i}`, props: {} })),
    );
    await runPolicies(resources, { policies, config: perPolicy });
  });
});

describe("policy pack: enforcement levels", () => {
  it('resolves the policy\'s own level, then "all", then its default', async () => {
    const { levelOf } = await import("../../policy/lib/run");
    const p = policies.find((x) => x.name === "exemption-tags-valid")!;
    expect(levelOf(p, {})).to.equal("advisory");
    expect(levelOf(p, { config: { all: "mandatory" } })).to.equal("mandatory");
    expect(
      levelOf(p, { config: { all: "mandatory", "exemption-tags-valid": { enforcementLevel: "disabled" } } }),
    ).to.equal("disabled");
  });
});

describe("policy pack: configuration errors name the bad value and what is allowed", () => {
  const attempt = async (policy: string, type: string, config: Record<string, unknown>) => {
    try {
      await check(policy, type, { vpcId: "v" }, config);
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  it("1: a port that is not a number", async () => {
    const m = await attempt("sg-admin-ports-open-to-world", T.sg, { ports: [22, "ssh"] });
    expect(m).to.equal(
      'policy "sg-admin-ports-open-to-world": config ports[1] = "ssh" is not valid: expected a port number from 0 to 65535, or a range "from-to" such as "8000-8080"',
    );
  });
  it("2: a reversed range and an out-of-range port", async () => {
    expect(await attempt("sg-admin-ports-open-to-world", T.sg, { ports: ["9000-8000"] })).to.include(
      'ports[0] = "9000-8000"',
    );
    expect(await attempt("sg-database-ports-open-to-world", T.sg, { ports: [70000] })).to.include(
      "ports[0] = 70000",
    );
  });
  it("3: ports not a list", async () => {
    expect(await attempt("sg-admin-ports-open-to-world", T.sg, { ports: "22" })).to.include(
      "a list of ports",
    );
  });
  it("4: a hop limit out of range", async () => {
    expect(await attempt("imds-hop-limit", T.instance, { maxHopLimit: 0 })).to.include(
      "an integer from 1 to 64",
    );
  });
  it("5: an invalid AMI id and an unsupported owner", async () => {
    expect(await attempt("approved-ami", T.instance, { allowedAmiIds: ["ami-xyz"] })).to.include(
      'allowedAmiIds[0] = "ami-xyz"',
    );
    expect(await attempt("approved-ami", T.instance, { allowedOwners: ["099720109477"] })).to.include(
      "cannot be verified offline",
    );
  });
  it("6: a bad regular expression", async () => {
    expect(await attempt("user-data-no-secrets", T.instance, { allowPatterns: ["(unclosed"] })).to.include(
      "a valid regular expression",
    );
  });
});

describe("policy pack: remediation (always-safe fixes only)", () => {
  it("1: IMDSv2 required on an instance, other metadata options kept", async () => {
    const after = await remediate("imdsv2-required", T.instance, {
      ami: "a",
      metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 },
    });
    expect(after?.metadataOptions).to.deep.equal({ httpTokens: "required", httpPutResponseHopLimit: 1 });
  });
  it("2: IMDSv2 on a launch template without metadataOptions", async () => {
    const after = await remediate("imdsv2-required", T.lt, { imageId: "a" });
    expect(after).to.deep.equal({ imageId: "a", metadataOptions: { httpTokens: "required" } });
  });
  it("3: nothing to do when IMDS is disabled or already required", async () => {
    expect(
      await remediate("imdsv2-required", T.instance, { metadataOptions: { httpEndpoint: "disabled" } }),
    ).to.equal(undefined);
    expect(
      await remediate("imdsv2-required", T.lt, { metadataOptions: { httpTokens: "required" } }),
    ).to.equal(undefined);
  });
  it("4: key rotation on for symmetric keys only", async () => {
    expect((await remediate("kms-key-rotation", T.kmsKey, { description: "k" }))?.enableKeyRotation).to.equal(
      true,
    );
    expect(
      await remediate("kms-key-rotation", T.kmsKey, {
        customerMasterKeySpec: "RSA_2048",
        keyUsage: "SIGN_VERIFY",
      }),
    ).to.equal(undefined);
  });
  it("5: volume encrypted", async () => {
    expect(await remediate("ebs-volume-encrypted", T.volume, { size: 1 })).to.deep.equal({
      size: 1,
      encrypted: true,
    });
  });
  it("6: remediated resources then pass validation (remediate level reports nothing)", async () => {
    const { runPolicies } = await import("../../policy/lib/run");
    const out = await runPolicies([{ type: T.kmsKey, name: "k", props: {} }], {
      policies,
      config: { "kms-key-rotation": "remediate" },
    });
    expect(out.diagnostics.filter((d) => d.policy === "kms-key-rotation")).to.deep.equal([]);
  });
  it("7: unknown values are never remediated blindly", async () => {
    expect(
      await remediate("kms-key-rotation", T.kmsKey, {
        enableKeyRotation: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
      }),
    ).to.equal(undefined);
  });
});

describe("policy pack: remediation inside the engine's proxies", () => {
  it("keeps other properties secret (writes through the secrets-preserving proxy)", async () => {
    const { Secret } = require("@pulumi/policy");
    const { secretsPreservingProxy } = require("@pulumi/policy/secret");
    const { unknownCheckingProxy } = require("@pulumi/policy");
    const { policyNamed } = await import("./harness");
    const raw = {
      ami: "a",
      userData: new Secret("#!/bin/bash\necho secret\n"),
      metadataOptions: { httpTokens: "optional" },
    };
    const props = unknownCheckingProxy(secretsPreservingProxy(raw));
    const p = policyNamed("imdsv2-required") as import("@pulumi/policy").ResourceValidationPolicy;
    const result = (await p.remediateResource!({
      type: T.instance,
      name: "web",
      urn: "urn:pulumi:s::p::aws:ec2/instance:Instance::web",
      props,
      opts: {} as never,
      stackTags: new Map(),
      isType: () => false,
      asType: () => undefined,
      getConfig: () => ({}) as never,
      notApplicable: () => undefined as never,
    })) as Record<string, unknown>;
    expect(result).to.equal(props);
    expect(raw.userData).to.be.instanceOf(Secret);
    expect(raw.metadataOptions).to.deep.equal({ httpTokens: "required" });
  });
});
