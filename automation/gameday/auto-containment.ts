/**
 * The auto-containment function in the game day, reached the way AWS reaches it: the baseline's rule
 * `ir-auto-contain` (its own pattern, at the default threshold) is deployed in the scenario's account,
 * each of the scenario's findings is published on the event bus as GuardDuty publishes it, and every
 * event the rule delivers is handed to the function's handler, signed as the responder role (the
 * function's execution role). The function runs in approve mode, the mode a team starts with: it asks
 * for approval on the alert topic and changes nothing; the game day's responder then approves by running
 * `ir respond` on the finding (the respond phase), so the response itself is the CLI's.
 *
 * One check: the finding the response starts from reached the function, which asked about the victim.
 * It fails when the deployed pattern misses a finding that names the instance (as a rule on
 * `resourceType: Instance` alone missed stolen instance credentials, resourceType AccessKey).
 */
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import {
  AUTO_CONTAIN_FUNCTION_NAME,
  autoContainmentPattern,
} from "../../components/auto-containment-pattern";
import { createHandler } from "../lambda/handler";
import type { LogLevel } from "../lambda/log";
import { DEFAULT_MIN_SEVERITY } from "../lambda/mode";
import type { AutoContainResult } from "../lambda/result";
import type { GamedayAccount } from "./account";
import { type Check, fail, guarded, pass } from "./check-result";
import { DeployedRule } from "./finding-delivery";
import type { GuardDutyEvent } from "./findings";
import type { Timeline } from "./timeline";

const ID = "auto-containment-delivery";
const TITLE = "the finding reached the auto-containment function through the deployed rule";
/** The alert topic the baseline's alerting deploys (the game day's settings name it too). */
const ALERT_TOPIC = "ir-alerts";

const describe = (f: GuardDutyEvent) =>
  `${f.detail.type} (severity ${f.detail.severity}, resourceType ${f.detail.resource?.resourceType})`;

const outcomeOf = (r: AutoContainResult) =>
  r.outcome === "approval-requested"
    ? `approval requested to contain ${r.targets.map((x) => x.instanceId).join(", ")}`
    : `${r.outcome}: ${r.reason ?? ""}`;

/** Publishes the scenario's findings, oldest first, and runs the function on what the rule delivers. */
export function deliverFindings(
  account: GamedayAccount,
  findings: GuardDutyEvent[],
  victimId: string,
  t: Timeline,
): Promise<Check> {
  return guarded("contained", ID, TITLE, async () => {
    const pattern = autoContainmentPattern(DEFAULT_MIN_SEVERITY);
    const rule = await DeployedRule.deploy(account.world, AUTO_CONTAIN_FUNCTION_NAME, pattern);
    try {
      const topic = await account.world.sns.send(new CreateTopicCommand({ Name: ALERT_TOPIC }));
      const warnings: string[] = [];
      const handler = createHandler({
        env: {
          AWS_REGION: account.clients.region,
          ...(account.clients.endpoint ? { AWS_ENDPOINT_URL: account.clients.endpoint } : {}),
          IR_AUTO_CONTAIN_MODE: "approve",
          IR_AUTO_CONTAIN_MIN_SEVERITY: String(DEFAULT_MIN_SEVERITY),
          // The settings the baseline publishes (the game day writes them to this file).
          IR_CONFIG: account.configFile,
          IR_STATE_DIR: account.settings.stateDir,
          IR_ALERT_TOPIC_ARN: topic.TopicArn!,
        },
        clients: account.clients,
        logger: {
          log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
            if (level !== "info") warnings.push(`${message}: ${JSON.stringify(fields ?? {})}`);
          },
        },
      });
      let last: AutoContainResult | undefined;
      for (const f of findings) {
        const delivered = await rule.publish(f);
        last = undefined;
        if (delivered.length === 0) {
          t.add("respond", "finding-not-delivered", "no match", `${describe(f)}: rule ${rule.name}`);
          continue;
        }
        for (const e of delivered) {
          last = await handler(e, { awsRequestId: `gameday-${f.detail.id}` });
          t.add("respond", "auto-containment", last.outcome, `${describe(f)}: ${outcomeOf(last)}`);
        }
      }
      for (const w of warnings) t.add("respond", "auto-containment-log", "warn", w);
      const final = findings.at(-1);
      if (!final) return fail("contained", ID, TITLE, "the scenario raised no finding");
      if (!last)
        return fail(
          "contained",
          ID,
          TITLE,
          `rule ${rule.name} did not deliver ${describe(final)}: the deployed function is never invoked for it (pattern ${JSON.stringify(pattern.detail)})`,
        );
      const asked =
        last.outcome === "approval-requested" && last.targets.some((x) => x.instanceId === victimId);
      return (asked ? pass : fail)(
        "contained",
        ID,
        TITLE,
        `rule ${rule.name} delivered ${describe(final)}; the function (approve mode) answered ${outcomeOf(last)}`,
      );
    } finally {
      rule.destroy();
    }
  });
}
