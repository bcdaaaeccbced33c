/**
 * Where to report an address. AWS addresses go to AWS's abuse team (the attacker is running on AWS
 * and AWS can act on the resource); internal addresses are a lead for lateral movement, not a report;
 * everyone else is reported to the network's own abuse contact, which the responder looks up (RDAP or
 * whois) because this tool makes no external network calls.
 */
import type { AwsRangeMatch } from "./ip-ranges";

export const AWS_ABUSE_FORM = "https://support.aws.amazon.com/#/contacts/report-abuse";
export const AWS_ABUSE_EMAIL = "abuse@amazonaws.com";

export type AddressScope = "aws" | "private" | "internet";

export interface AbuseGuidance {
  scope: AddressScope;
  /** One line a responder can act on. */
  action: string;
  contacts: string[];
}

export function abuseGuidance(address: string, scope: AddressScope, aws?: AwsRangeMatch): AbuseGuidance {
  if (scope === "aws") {
    return {
      scope,
      action: `AWS address (${aws?.service ?? "AMAZON"}, ${aws?.region ?? "unknown region"}): report it to AWS with the UTC times, ports and evidence below, through the abuse form or by email`,
      contacts: [AWS_ABUSE_FORM, AWS_ABUSE_EMAIL],
    };
  }
  if (scope === "private") {
    return {
      scope,
      action: `internal address: find the host that holds ${address} (ENI lookup) and investigate it for lateral movement; nothing to report externally`,
      contacts: [],
    };
  }
  return {
    scope,
    action: `internet address: look up the abuse contact of the network that holds ${address} (e.g. \`whois ${address}\` or RDAP) and report it with the UTC times and evidence`,
    contacts: [],
  };
}
