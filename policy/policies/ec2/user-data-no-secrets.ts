import { COMPUTE, launchSpecs, SPOT_FLEET } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { findSecrets } from "../../lib/secrets";
import { isUnknown } from "../../lib/unknown";

interface Settings {
  allowPatterns: RegExp[];
}

/** User data is readable by anyone with ec2:DescribeInstanceAttribute and by every process through IMDS. */
export const userDataNoSecrets = resourcePolicy<Settings>({
  name: "user-data-no-secrets",
  description:
    "User data must not contain AWS keys, passwords, tokens or private keys (plain or base64/gzip): it is stored unencrypted, shown to anyone allowed ec2:DescribeInstanceAttribute, and served to every process on the host through IMDS.",
  severity: "critical",
  remediationSteps:
    "Put the secret in Secrets Manager or SSM Parameter Store (SecureString) and fetch it at boot with the instance role, e.g. DB_PASSWORD=$(aws ssm get-parameter --with-decryption ...). Rotate any secret that was committed.",
  configRule: undefined,
  resourceTypes: [
    COMPUTE.instance,
    COMPUTE.spot,
    COMPUTE.launchTemplate,
    COMPUTE.launchConfiguration,
    SPOT_FLEET,
  ],
  settings: {
    allowPatterns: {
      type: "array",
      items: { type: "string" },
      default: [],
      description:
        "Regular expressions for values that are known not to be secrets (e.g. a public test key).",
    },
  },
  parse: (r) => ({ allowPatterns: r.regexes("allowPatterns") }),
  check: (r, s, report) => {
    const specs = launchSpecs(r);
    if (specs === "unknown") return report.undetermined("launchSpecifications");
    for (const { at, props } of specs)
      for (const key of ["userData", "userDataBase64"]) {
        const v = props[key];
        if (v === undefined || v === null) continue;
        if (isUnknown(v)) {
          report.undetermined(`${at}${key}`);
          continue;
        }
        if (typeof v !== "string") continue;
        for (const f of findSecrets(v, s.allowPatterns))
          report.violation(
            `${at}${key} contains a secret: ${f.kind} (${f.excerpt}). Fetch secrets at boot from Secrets Manager or SSM instead, and rotate this one.`,
          );
      }
  },
});
