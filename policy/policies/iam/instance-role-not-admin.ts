import { COMPUTE, launchSpecs, SPOT_FLEET } from "../../lib/compute";
import { type StackResource, stackPolicy } from "../../lib/define";
import { adminManagedPolicy, analysePolicy, DEFAULT_WILDCARD_SERVICES, type Grant } from "../../lib/iam";
import { type Match, RefIndex } from "../../lib/refs";
import { isUnknown } from "../../lib/unknown";
import { asArray, list, obj, type Props } from "../../lib/values";

const T = {
  profile: "aws:iam/instanceProfile:InstanceProfile",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  exclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  policy: "aws:iam/policy:Policy",
};
const LAUNCHERS = [
  COMPUTE.instance,
  COMPUTE.spot,
  COMPUTE.launchTemplate,
  COMPUTE.launchConfiguration,
  SPOT_FLEET,
];

interface Settings {
  wildcardServices: string[];
}

interface Finding {
  grant: Grant;
  via: string;
  certain: boolean;
}

/** The instance-profile references of a launcher (one per spot-fleet launch specification). */
function profileRefs(launcher: StackResource): Array<{ prop: string; ref: unknown }> {
  if (launcher.type === SPOT_FLEET) {
    const specs = launchSpecs(launcher);
    if (specs === "unknown")
      return [{ prop: "launchSpecifications", ref: launcher.props.launchSpecifications }];
    return specs
      .map((s) => ({
        prop: "launchSpecifications",
        ref: s.props.iamInstanceProfileArn ?? s.props.iamInstanceProfile,
      }))
      .filter((x) => x.ref !== undefined && x.ref !== null && x.ref !== "");
  }
  let ref: unknown = launcher.props.iamInstanceProfile;
  if (launcher.type === COMPUTE.launchTemplate) {
    const lt = obj(ref);
    if (lt.known) ref = lt.value ? (lt.value.arn ?? lt.value.name) : undefined;
  }
  return ref === undefined || ref === null || ref === "" ? [] : [{ prop: "iamInstanceProfile", ref }];
}

/** Indexes of the IAM resources of one stack evaluation. */
interface Graph {
  profiles: RefIndex;
  roles: RefIndex;
  policies: RefIndex;
  /** Role → the RolePolicy / attachments that refer to it. */
  attachedTo: Map<StackResource, Array<{ r: StackResource; m: Match }>>;
  grants: Map<StackResource, Finding[]>;
}

function graphOf(all: readonly StackResource[]): Graph {
  const of = (t: string) => all.filter((r) => r.type === t);
  const roles = new RefIndex(of(T.role), ["name"]);
  const attachedTo = new Map<StackResource, Array<{ r: StackResource; m: Match }>>();
  const link = (role: StackResource, r: StackResource, m: Match) => {
    const list = attachedTo.get(role);
    if (list) list.push({ r, m });
    else attachedTo.set(role, [{ r, m }]);
  };
  for (const r of all) {
    if (r.type === T.rolePolicy || r.type === T.attachment)
      for (const x of roles.match(r, "role")) link(x.target, r, x.m);
    else if (r.type === T.exclusive) for (const x of roles.match(r, "roleName")) link(x.target, r, x.m);
    else if (r.type === T.policyAttachment) {
      const list = r.props.roles;
      const values = isUnknown(list) ? [list] : asArray(list);
      for (const v of values) for (const x of roles.match(r, "roles", v)) link(x.target, r, x.m);
    }
  }
  return {
    profiles: new RefIndex(of(T.profile), ["name"]),
    roles,
    policies: new RefIndex(of(T.policy), ["name"]),
    attachedTo,
    grants: new Map(),
  };
}

/** Follows role → inline policies, managed ARNs, RolePolicy, attachments → Policy documents. */
function roleGrants(role: StackResource, g: Graph, s: Settings): Finding[] {
  const cached = g.grants.get(role);
  if (cached) return cached;
  const out: Finding[] = [];
  const add = (grants: Grant[] | "unknown", via: string, certain: boolean) => {
    if (grants !== "unknown") for (const grant of grants) out.push({ grant, via, certain });
  };
  const byArn = (
    holder: StackResource | undefined,
    prop: string,
    arn: unknown,
    via: string,
    certain: boolean,
  ) => {
    const admin = adminManagedPolicy(arn);
    if (admin) {
      out.push({ grant: { level: "admin", detail: `AWS managed policy ${admin}` }, via, certain });
      return;
    }
    const matches = holder ? g.policies.match(holder, prop, arn) : g.policies.match(role, "\0", arn);
    for (const { target, m } of matches)
      add(
        analysePolicy(target.props.policy, s.wildcardServices),
        `${via} → policy ${target.name}`,
        certain && m === "yes",
      );
  };
  const inline = list(role.props.inlinePolicies);
  for (const [i, p] of (inline.value ?? []).entries())
    add(
      analysePolicy(isUnknown(p) ? p : (p as Props)?.policy, s.wildcardServices),
      `inlinePolicies[${i}]`,
      true,
    );
  for (const a of list(role.props.managedPolicyArns).value ?? [])
    byArn(undefined, "", a, "managedPolicyArns", true);
  for (const { r, m } of g.attachedTo.get(role) ?? []) {
    const certain = m === "yes";
    if (r.type === T.rolePolicy)
      add(analysePolicy(r.props.policy, s.wildcardServices), `role policy ${r.name}`, certain);
    else if (r.type === T.exclusive)
      for (const a of list(r.props.policyArns).value ?? [])
        byArn(undefined, "", a, `attachment ${r.name}`, certain);
    else byArn(r, "policyArn", r.props.policyArn, `attachment ${r.name}`, certain);
  }
  g.grants.set(role, out);
  return out;
}

/** An instance's role is what an attacker on the host (or behind an SSRF) gets: it must not be admin. */
export const instanceRoleNotAdmin = stackPolicy<Settings>({
  name: "instance-role-not-admin",
  description:
    "No instance, launch template or launch configuration may reach administrator or service-wide wildcard permissions through its instance profile → role → inline, attached or managed policies: whoever compromises the host gets those credentials from IMDS.",
  severity: "critical",
  remediationSteps:
    "Give the instance role only the actions and resources the workload uses. Move administrative automation to a separate role that the instance cannot assume.",
  cis: ["1.16"],
  configRule: "iam-policy-no-statements-with-admin-access",
  resourceTypes: LAUNCHERS,
  settings: {
    wildcardServices: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_WILDCARD_SERVICES,
      description: 'Services whose "<service>:*" on all resources counts as dangerous on an instance role.',
    },
  },
  parse: (r) => ({
    wildcardServices: r
      .strings("wildcardServices", DEFAULT_WILDCARD_SERVICES, (v) =>
        /^[a-z0-9-]+$/.test(v) ? undefined : 'a lower-case service prefix such as "s3"',
      )
      .map((v) => v.toLowerCase()),
  }),
  checkStack: (resources, s, report) => {
    const launchers = resources.filter((r) => (LAUNCHERS as readonly string[]).includes(r.type));
    if (!launchers.length) return;
    const g = graphOf(resources);
    for (const launcher of launchers) {
      for (const { prop, ref } of profileRefs(launcher))
        for (const { target: profile, m: pm } of g.profiles.match(launcher, prop, ref)) {
          for (const { target: role, m: rm } of g.roles.match(profile, "role")) {
            for (const f of roleGrants(role, g, s)) {
              const path = `instance profile ${profile.name} → role ${role.name} → ${f.via}`;
              const what = f.grant.level === "admin" ? "administrator access" : "a service-wide wildcard";
              if (pm === "yes" && rm === "yes" && f.certain)
                report.violation(
                  launcher,
                  `reaches ${what} through ${path}: ${f.grant.detail}. Scope the role to what the workload needs.`,
                );
              else
                report.note(
                  launcher,
                  `may reach ${what} (a link is not known during preview) through ${path}: ${f.grant.detail}.`,
                );
            }
          }
        }
    }
  },
});
