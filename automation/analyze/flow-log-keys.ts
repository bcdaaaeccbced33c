/**
 * Where the baseline's flow logs land in S3: plain-text gzip files partitioned per hour under
 * `<prefix>/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/HH/`. Only the hours of the window are
 * listed, plus the hour after it: a file is named after the time it was delivered, up to several
 * minutes after the records in it, so the last records of the window sit in the next hour's folder.
 */
import { FLOW_LOG_PREFIX } from "../../facts/flow-logs";
import { AnalyzeInputError, type IncidentWindow } from "./subject";

export interface FlowLogLocation {
  bucket: string;
  accountId: string;
  region: string;
  /** Key prefix the flow log delivers under (without AWSLogs/...). @default FLOW_LOG_PREFIX ("vpc-flow-logs") */
  prefix?: string;
}

const HOUR = 3_600_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** The hour folders to list for a window, oldest first; refuses windows longer than `maxHours`. */
export function hourPrefixes(location: FlowLogLocation, window: IncidentWindow, maxHours = 168): string[] {
  if (!/^\d{12}$/.test(location.accountId)) {
    throw new AnalyzeInputError(
      `flow log account id "${location.accountId}" is not a 12-digit AWS account id: pass the account that owns the VPC`,
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(location.region)) {
    throw new AnalyzeInputError(
      `flow log region "${location.region}" is not an AWS region name such as us-east-1`,
    );
  }
  const base = (location.prefix ?? FLOW_LOG_PREFIX).replace(/^\/+|\/+$/g, "");
  const root = `${base ? `${base}/` : ""}AWSLogs/${location.accountId}/vpcflowlogs/${location.region}/`;
  const first = Math.floor(window.start.getTime() / HOUR);
  const last = Math.floor(window.end.getTime() / HOUR) + 1;
  if (last - first + 1 > maxHours) {
    throw new AnalyzeInputError(
      `the window ${window.start.toISOString()} to ${window.end.toISOString()} spans ${last - first + 1} hours of flow logs, more than the limit of ${maxHours}: narrow the window to the incident, or raise maxHours`,
    );
  }
  const out: string[] = [];
  for (let h = first; h <= last; h++) {
    const d = new Date(h * HOUR);
    out.push(
      `${root}${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/`,
    );
  }
  return out;
}
