import { SSM } from "../../../facts/names";
import { COMPUTE, launchSpecs, SPOT_FLEET } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { str } from "../../lib/values";

interface Settings {
  allowedAmiIds: string[];
  allowedParameterPrefixes: string[];
  allowedOwners: string[];
}

/** Owners whose AMIs are reachable through public SSM parameters with a known prefix. */
const OWNER_PARAMETER_PREFIXES: Record<string, string> = { amazon: "/aws/service/" };

/** Launching from an unvetted image brings whatever the image's author put in it. */
export const approvedAmi = resourcePolicy<Settings>({
  name: "approved-ami",
  description:
    "Instances, launch templates and launch configurations must use an approved AMI: an allow-listed id, a known-good SSM parameter (resolve:ssm:), or an owner's public parameter. Images from anywhere else can carry backdoors, miners or stale vulnerable packages, and recovery cannot trust them.",
  severity: "high",
  remediationSteps: `Reference the image through its known-good parameter, e.g. ami: "resolve:ssm:${SSM.knownGoodAmiRoot}/<workload>", or add the id to allowedAmiIds for this policy.`,
  configRule: "approved-amis-by-id",
  resourceTypes: [
    COMPUTE.instance,
    COMPUTE.spot,
    COMPUTE.launchTemplate,
    COMPUTE.launchConfiguration,
    SPOT_FLEET,
  ],
  settings: {
    allowedAmiIds: {
      type: "array",
      items: { type: "string", pattern: "^ami-[0-9a-f]{8,17}$" },
      default: [],
      description: "Approved AMI ids.",
    },
    allowedParameterPrefixes: {
      type: "array",
      items: { type: "string" },
      default: [`${SSM.knownGoodAmiRoot}/`, SSM.forensicAmi],
      description:
        "SSM parameter names (or prefixes ending in /) an image may be resolved from with resolve:ssm:.",
    },
    allowedOwners: {
      type: "array",
      items: { type: "string" },
      default: ["amazon"],
      description: 'Owners whose public SSM parameters are approved ("amazon" = /aws/service/...).',
    },
  },
  parse: (r) => ({
    allowedAmiIds: r.strings("allowedAmiIds", [], (s) =>
      /^ami-[0-9a-f]{8,17}$/.test(s) ? undefined : "an AMI id such as ami-0123456789abcdef0",
    ),
    allowedParameterPrefixes: r.strings(
      "allowedParameterPrefixes",
      [`${SSM.knownGoodAmiRoot}/`, SSM.forensicAmi],
      (s) => (s.startsWith("/") ? undefined : 'an SSM parameter name or prefix starting with "/"'),
    ),
    allowedOwners: r.strings("allowedOwners", ["amazon"], (s) =>
      s in OWNER_PARAMETER_PREFIXES
        ? undefined
        : `one of ${Object.keys(OWNER_PARAMETER_PREFIXES).join(", ")} (other owners cannot be verified offline: list their AMI ids in allowedAmiIds)`,
    ),
  }),
  check: (r, s, report) => {
    const specs = launchSpecs(r);
    if (specs === "unknown") return report.undetermined("launchSpecifications");
    for (const { at, props } of specs)
      judgeImage(
        r.type === COMPUTE.launchTemplate || r.type === COMPUTE.launchConfiguration ? "imageId" : "ami",
        at,
        props,
        s,
        report,
      );
  },
});

function judgeImage(
  prop: string,
  at: string,
  props: Record<string, unknown>,
  s: Settings,
  report: { violation(m: string): void; undetermined(p: string): void },
) {
  const key = `${at}${prop}`;
  const image = str(props[prop]);
  if (!image.known) return report.undetermined(key);
  // No image here: a launch template (or the fleet's template) chooses it, and is checked itself.
  if (image.value === undefined || image.value === "") return;
  const id = image.value;
  if (id.startsWith("resolve:ssm:")) {
    const param = id.slice("resolve:ssm:".length).replace(/:\d+$/, "");
    const prefixes = [
      ...s.allowedParameterPrefixes,
      ...s.allowedOwners.map((o) => OWNER_PARAMETER_PREFIXES[o]),
    ];
    if (prefixes.some((p) => (p.endsWith("/") ? param.startsWith(p) : param === p))) return;
    return report.violation(
      `${key} resolves from SSM parameter ${param}, which is not an approved source (${prefixes.join(", ")}).`,
    );
  }
  if (s.allowedAmiIds.includes(id)) return;
  report.violation(
    `${key} ${id} is not approved: it is not in allowedAmiIds, and the owner of a literal AMI id cannot be verified offline. Use resolve:ssm:${SSM.knownGoodAmiRoot}/<workload> or add the id to allowedAmiIds.`,
  );
}
