import { COMPUTE } from "../../lib/compute";
import { type StackResource, stackPolicy } from "../../lib/define";
import { adminManagedPolicy, analysePolicy, DEFAULT_WILDCARD_SERVICES, type Grant } from "../../lib/iam";
import { best, type Match, refers } from "../../lib/refs";
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
const LAUNCHERS = [COMPUTE.instance, COMPUTE.spot, COMPUTE.launchTemplate, COMPUTE.launchConfiguration];

interface Settings {
  wildcardServices: string[];
}

interface Finding {
  grant: Grant;
  via: string;
  certain: boolean;
}

/** Follows role → inline policies, managed ARNs, RolePolicy, attachments → Policy documents. */
function roleGrants(role: StackResource, all: readonly StackResource[], s: Settings): Finding[] {
  const out: Finding[] = [];
  const add = (grants: Grant[] | "unknown", via: string, certain: boolean) => {
    if (grants !== "unknown") for (const g of grants) out.push({ grant: g, via, certain });
  };
  const byArn = (arn: unknown, via: string, certain: boolean, holder?: StackResource, prop?: string) => {
    const admin = adminManagedPolicy(arn);
    if (admin) {
      out.push({ grant: { level: "admin", detail: `AWS managed policy ${admin}` }, via, certain });
      return;
    }
    for (const p of all) {
      if (p.type !== T.policy) continue;
      const m =
        holder && prop
          ? refers(holder, prop, p, ["name"], arn)
          : typeof arn === "string" && p.props.arn === arn
            ? "yes"
            : "no";
      if (m !== "no")
        add(
          analysePolicy(p.props.policy, s.wildcardServices),
          `${via} → policy ${p.name}`,
          certain && m === "yes",
        );
    }
  };
  const inline = list(role.props.inlinePolicies);
  for (const [i, p] of (inline.value ?? []).entries())
    add(
      analysePolicy(isUnknown(p) ? p : (p as Props)?.policy, s.wildcardServices),
      `inlinePolicies[${i}]`,
      true,
    );
  for (const a of list(role.props.managedPolicyArns).value ?? []) byArn(a, "managedPolicyArns", true);
  for (const r of all) {
    let m: Match = "no";
    if (r.type === T.rolePolicy || r.type === T.attachment) m = refers(r, "role", role, ["name"]);
    else if (r.type === T.exclusive) m = refers(r, "roleName", role, ["name"]);
    else if (r.type === T.policyAttachment) {
      const roles = r.props.roles;
      m = isUnknown(roles) ? "maybe" : best(asArray(roles).map((v) => refers(r, "roles", role, ["name"], v)));
    }
    if (m === "no") continue;
    const certain = m === "yes";
    if (r.type === T.rolePolicy)
      add(analysePolicy(r.props.policy, s.wildcardServices), `role policy ${r.name}`, certain);
    else if (r.type === T.exclusive)
      for (const a of list(r.props.policyArns).value ?? []) byArn(a, `attachment ${r.name}`, certain);
    else byArn(r.props.policyArn, `attachment ${r.name}`, certain, r, "policyArn");
  }
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
    const profiles = resources.filter((r) => r.type === T.profile);
    const roles = resources.filter((r) => r.type === T.role);
    for (const launcher of resources) {
      if (!LAUNCHERS.includes(launcher.type as (typeof LAUNCHERS)[number])) continue;
      let ref: unknown = launcher.props.iamInstanceProfile;
      if (launcher.type === COMPUTE.launchTemplate) {
        const lt = obj(ref);
        if (!lt.known) ref = ref as string;
        else ref = lt.value ? (lt.value.arn ?? lt.value.name) : undefined;
      }
      if (ref === undefined || ref === null || ref === "") continue;
      for (const profile of profiles) {
        const pm = refers(launcher, "iamInstanceProfile", profile, ["name"], ref);
        if (pm === "no") continue;
        for (const role of roles) {
          const rm = refers(profile, "role", role, ["name"]);
          if (rm === "no") continue;
          for (const f of roleGrants(role, resources, s)) {
            const path = `instance profile ${profile.name} → role ${role.name} → ${f.via}`;
            const what = f.grant.level === "admin" ? "administrator access" : "a service-wide wildcard";
            const msg = `reaches ${what} through ${path}: ${f.grant.detail}. Scope the role to what the workload needs.`;
            if (pm === "yes" && rm === "yes" && f.certain) report.violation(launcher, msg);
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
