/**
 * Parity with the real analyzer: every case of every spec is also run through @pulumi/policy's own
 * gRPC handlers (makeAnalyzeRpcFun / makeAnalyzeStackRpcFun, fed protobuf requests, no server and no
 * PolicyPack), and must give the same policies, enforcement levels and messages as the harness runner.
 * This proves the pack behaves the same under `pulumi preview` as in the tests and in policy:check.
 */
import { expect } from "chai";
import type { ResourceInput } from "../../policy/lib/run";
import { policies } from "../../policy/policies";
import "./cases/compute";
import "./cases/fleet";
import "./cases/identity";
import "./cases/logging";
import "./cases/network";
import "./cases/storage";
import { checkAll, SPECS } from "./harness";

const server = require("@pulumi/policy/server");
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const LEVELS: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

interface Seen {
  policy: string;
  level: string;
  message: string;
}

function options() {
  const o = new pb.AnalyzerResourceOptions();
  return o;
}

function analyzeResource(policy: string, r: ResourceInput): Promise<Seen[]> {
  const fn = server.makeAnalyzeRpcFun(
    "ec2-incident-ready",
    "1.0.0",
    "mandatory",
    policies.filter((p) => p.name === policy),
  );
  const req = new pb.AnalyzeRequest();
  req.setType(r.type);
  req.setName(r.name);
  req.setUrn(r.urn);
  req.setProperties(Struct.fromJavaScript(r.props));
  req.setOptions(options());
  return new Promise((resolve, reject) =>
    fn(
      { request: req },
      (err: Error | undefined, resp: { getDiagnosticsList(): Array<Record<string, () => unknown>> }) =>
        err
          ? reject(err)
          : resolve(
              resp.getDiagnosticsList().map((d) => ({
                policy: d.getPolicyname() as string,
                level: LEVELS[d.getEnforcementlevel() as number],
                message: d.getMessage() as string,
              })),
            ),
    ),
  );
}

function analyzeStack(policy: string, rs: ResourceInput[]): Promise<Seen[]> {
  const fn = server.makeAnalyzeStackRpcFun(
    "ec2-incident-ready",
    "1.0.0",
    "mandatory",
    policies.filter((p) => p.name === policy),
  );
  const req = new pb.AnalyzeStackRequest();
  req.setResourcesList(
    rs.map((r) => {
      const a = new pb.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(r.urn);
      a.setProperties(Struct.fromJavaScript(r.props));
      a.setOptions(options());
      if (r.parent) a.setParent(r.parent);
      a.setDependenciesList(r.dependencies ?? []);
      for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const deps = new pb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        a.getPropertydependenciesMap().set(k, deps);
      }
      return a;
    }),
  );
  return new Promise((resolve, reject) =>
    fn(
      { request: req },
      (err: Error | undefined, resp: { getDiagnosticsList(): Array<Record<string, () => unknown>> }) =>
        err
          ? reject(err)
          : resolve(
              resp.getDiagnosticsList().map((d) => ({
                policy: d.getPolicyname() as string,
                level: LEVELS[d.getEnforcementlevel() as number],
                message: d.getMessage() as string,
              })),
            ),
    ),
  );
}

/** Removes undefined values (protobuf Structs cannot carry them; the engine drops them too). */
const clean = (r: ResourceInput): ResourceInput => ({ ...r, props: JSON.parse(JSON.stringify(r.props)) });

describe("policy pack: parity with @pulumi/policy's analyzer handlers", () => {
  for (const spec of SPECS) {
    const isStack = "validateStack" in policies.find((p) => p.name === spec.policy)!;
    it(`${spec.policy}: same diagnostics through the analyzer as through the harness`, async () => {
      for (const c of [...spec.compliant, ...spec.noncompliant]) {
        if (c.config) continue; // the analyzer's config arrives through its Configure call
        const resources = c.resources.map(clean);
        const ours = (await checkAll(spec.policy, resources)).diagnostics.map((d) => ({
          level: d.level,
          message: d.message,
        }));
        const theirs = isStack
          ? await analyzeStack(spec.policy, resources)
          : (await Promise.all(resources.map((r) => analyzeResource(spec.policy, r)))).flat();
        expect(
          theirs.map((d) => d.level),
          c.title,
        ).to.deep.equal(ours.map((d) => d.level));
        // Mandatory messages are prefixed by the policy description in the analyzer; notes are not.
        for (const [i, d] of theirs.entries()) expect(d.message, c.title).to.include(ours[i].message);
      }
    });
  }
});
