import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { at, list, str } from "../../lib/values";

const LAUNCH_PERMISSION = "aws:ec2/amiLaunchPermission:AmiLaunchPermission";
const DISTRIBUTION = "aws:imagebuilder/distributionConfiguration:DistributionConfiguration";

/** A public AMI publishes its disks: baked-in keys, configs and data are there for anyone to read. */
export const amiNotPublic = resourcePolicy({
  name: "ami-not-public",
  description:
    'AMIs must not be shared publicly (launch permission group "all", or an Image Builder distribution to user group "all"): anyone can launch the image and read every file baked into it, keys and configuration included.',
  severity: "critical",
  remediationSteps:
    'Share with specific account ids, an organization ARN or an organizational unit ARN instead of the group "all".',
  resourceTypes: [LAUNCH_PERMISSION, DISTRIBUTION],
  check: (r, _s, report) => {
    if (r.type === LAUNCH_PERMISSION) {
      const group = str(r.props.group);
      if (!group.known) return report.undetermined("group");
      if (group.value?.toLowerCase() === "all")
        report.violation(
          'group is "all": the AMI becomes public. Share with accountId or organizationArn instead.',
        );
      return;
    }
    const dists = list(r.props.distributions);
    if (!dists.known) return report.undetermined("distributions");
    for (let i = 0; i < (dists.value?.length ?? 0); i++) {
      const path = `distributions[${i}].amiDistributionConfiguration.launchPermission.userGroups`;
      const groups = at(r.props, path.replace(/\[(\d+)\]/g, ".$1"));
      if (isUnknown(groups)) {
        report.undetermined(path);
        continue;
      }
      const l = list(groups);
      if (l.known && l.value?.some((g) => typeof g === "string" && g.toLowerCase() === "all"))
        report.violation(`${path} contains "all": every image this pipeline distributes becomes public.`);
    }
  },
});
