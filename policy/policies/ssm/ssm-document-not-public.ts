import { resourcePolicy } from "../../lib/define";
import { obj, str } from "../../lib/values";

const DOCUMENT = "aws:ssm/document:Document";

/** A public SSM document shows every account its commands, paths, endpoints and, too often, secrets. */
export const ssmDocumentNotPublic = resourcePolicy({
  name: "ssm-document-not-public",
  description:
    'SSM documents must not be shared publicly (permissions with accountIds "All"): every AWS account can then read and run the document, which reveals the scripts, paths, endpoints and any credentials written into it.',
  severity: "high",
  remediationSteps:
    'Share the document with specific account ids (accountIds: "111122223333,444455556666"), or not at all; keep the account\'s "block public sharing" setting for SSM documents on.',
  configRule: "ssm-document-not-public",
  resourceTypes: [DOCUMENT],
  check: (r, _s, report) => {
    const permissions = obj(r.props.permissions);
    if (!permissions.known) return report.undetermined("permissions");
    if (!permissions.value) return;
    const ids = str(permissions.value.accountIds);
    if (!ids.known) return report.undetermined("permissions.accountIds");
    const accounts = (ids.value ?? "").split(",").map((s) => s.trim().toLowerCase());
    if (accounts.includes("all"))
      report.violation(
        'permissions.accountIds includes "All": the document is public to every AWS account. Share it with specific account ids.',
      );
  },
});
