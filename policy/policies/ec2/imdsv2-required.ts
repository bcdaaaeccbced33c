import { COMPUTE, clone } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { obj, type Props, str } from "../../lib/values";

const TYPES = [
  COMPUTE.instance,
  COMPUTE.spot,
  COMPUTE.launchTemplate,
  COMPUTE.launchConfiguration,
  COMPUTE.metadataDefaults,
];

/** IMDSv1 lets any SSRF bug read the instance role's credentials with a single GET. */
interface Settings {
  trustAccountDefault: boolean;
}

export const imdsv2Required = resourcePolicy<Settings>({
  name: "imdsv2-required",
  description:
    'Instances, launch templates and launch configurations must require IMDSv2 (httpTokens = "required"): with IMDSv1 a single server-side request forgery hands the instance role\'s credentials to an attacker (the Capital One breach).',
  severity: "high",
  remediationSteps:
    'Set metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" } (or httpEndpoint: "disabled" when nothing on the host needs the metadata service). For the account default, set ec2.InstanceMetadataDefaults httpTokens to "required".',
  cis: ["5.6"],
  configRule: "ec2-imdsv2-check",
  resourceTypes: TYPES,
  settings: {
    trustAccountDefault: {
      type: "boolean",
      default: false,
      description:
        'Accept resources without metadataOptions because every account and region sets ec2.InstanceMetadataDefaults httpTokens = "required" (the baseline does). Resources that set httpTokens explicitly are still checked.',
    },
  },
  parse: (r) => ({ trustAccountDefault: r.boolean("trustAccountDefault", false) }),
  check: (r, s, report) => {
    if (r.type === COMPUTE.metadataDefaults) {
      const tokens = str(r.props.httpTokens);
      if (!tokens.known) report.undetermined("httpTokens");
      else if (tokens.value === "optional")
        report.violation(
          'httpTokens is "optional": the account default allows IMDSv1 for every new instance. Set it to "required".',
        );
      return;
    }
    const mo = obj(r.props.metadataOptions);
    if (!mo.known) return report.undetermined("metadataOptions");
    if (!mo.value) {
      if ((r.type === COMPUTE.instance || r.type === COMPUTE.spot) && r.props.launchTemplate !== undefined) {
        report.note(
          "metadataOptions is not set here; the launch template's settings apply (checked on the template).",
        );
        return;
      }
      if (s.trustAccountDefault) {
        report.note(
          "metadataOptions is not set: relying on the account's instance metadata defaults (trustAccountDefault).",
        );
        return;
      }
      report.violation(
        'metadataOptions is not set, so IMDSv1 stays allowed unless the account default requires tokens (AWS defaults httpTokens to "optional"). Set metadataOptions.httpTokens = "required", or set trustAccountDefault when every account requires IMDSv2 by default.',
      );
      return;
    }
    const endpoint = str(mo.value.httpEndpoint);
    if (endpoint.known && endpoint.value === "disabled") return;
    const tokens = str(mo.value.httpTokens);
    if (!tokens.known) return report.undetermined("metadataOptions.httpTokens");
    if (!endpoint.known && tokens.value !== "required")
      return report.undetermined("metadataOptions.httpEndpoint");
    if (tokens.value !== "required")
      report.violation(
        `metadataOptions.httpTokens is ${tokens.value === undefined ? 'not set (defaults to "optional")' : `"${tokens.value}"`}, which allows IMDSv1. Set it to "required".`,
      );
  },
  remediate: (r, s) => {
    if (r.type === COMPUTE.metadataDefaults) {
      if (r.props.httpTokens !== "optional") return undefined;
      return { httpTokens: "required" };
    }
    const mo = r.props.metadataOptions;
    if (isUnknown(mo) || (mo === undefined && s.trustAccountDefault)) return undefined;
    const current = (mo ?? {}) as Props;
    if (
      current.httpTokens === "required" ||
      current.httpEndpoint === "disabled" ||
      isUnknown(current.httpTokens)
    )
      return undefined;
    if (
      mo === undefined &&
      (r.type === COMPUTE.instance || r.type === COMPUTE.spot) &&
      r.props.launchTemplate !== undefined
    )
      return undefined;
    return { metadataOptions: { ...clone(current), httpTokens: "required" } };
  },
});
