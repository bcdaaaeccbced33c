import { resourcePolicy } from "../../lib/define";
import { str } from "../../lib/values";

const PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission";

interface Settings {
  allowedAccountIds: string[];
}

/** A public snapshot is a full copy of the disk that anyone can turn into a volume. */
export const snapshotNotPublic = resourcePolicy<Settings>({
  name: "snapshot-not-public",
  description:
    'EBS snapshots must not be made restorable by everyone (create-volume permission "all") or, when an allow-list is configured, by accounts outside it: whoever can create a volume from it reads the whole disk.',
  severity: "critical",
  remediationSteps:
    "Grant create-volume permission only to specific account ids; add them to allowedAccountIds for this policy.",
  configRule: "ebs-snapshot-public-restorable-check",
  resourceTypes: [PERMISSION],
  settings: {
    allowedAccountIds: {
      type: "array",
      items: { type: "string", pattern: "^\\d{12}$" },
      default: [],
      description:
        'Accounts snapshots may be shared with; empty means any specific account (only "all" is refused).',
    },
  },
  parse: (r) => ({
    allowedAccountIds: r.strings("allowedAccountIds", [], (s) =>
      /^\d{12}$/.test(s) ? undefined : "a 12-digit AWS account id",
    ),
  }),
  check: (r, s, report) => {
    const account = str(r.props.accountId);
    if (!account.known) return report.undetermined("accountId");
    const id = account.value ?? "";
    if (id.toLowerCase() === "all")
      report.violation('accountId is "all": the snapshot becomes public. Share with specific account ids.');
    else if (s.allowedAccountIds.length && !s.allowedAccountIds.includes(id))
      report.violation(
        `accountId ${id} is not in allowedAccountIds (${s.allowedAccountIds.join(", ")}): snapshots may only be shared with approved accounts.`,
      );
  },
});
