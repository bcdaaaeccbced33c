/** The benchmark's scenario on the fake AWS: N fleet instances, the baseline's groups in the settings. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClients, type CallRecorder, type ClientOptions } from "../automation/aws/clients";
import { resetSharedEc2RateLimiters } from "../automation/aws/rate-limiter";
import { resolveSettings } from "../automation/settings/settings";
import { FakeAws, type FakeAwsOptions } from "./fake-aws";
import { FakeWorld } from "./fake-world";
import type { Scenario } from "./scenario";

/** `limiter`: how the clients pace EC2 calls by the documented buckets (on by default, as in production). */
export function fakeScenario(
  count: number,
  options: FakeAwsOptions,
  limiter: ClientOptions["ec2RateLimit"] = {},
): Scenario {
  // A fresh fake AWS has full buckets: so must the clients' copies (shared per process otherwise).
  resetSharedEc2RateLimiters();
  const world = new FakeWorld(count);
  const transport = new FakeAws(world, options);
  const base = resolveSettings(
    { stateDir: mkdtempSync(join(tmpdir(), "ir-bench-")) },
    { AWS_REGION: world.region },
  );
  const settings = {
    ...base,
    isolationGroups: {
      [world.vpcId]: {
        untrack: world.untrackGroup,
        isolation: world.isolationGroup,
        forensicEgress: world.forensicGroup,
      },
    },
  };
  const clients = (recorder?: CallRecorder) =>
    new AwsClients({
      region: world.region,
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      requestHandler: transport,
      ec2RateLimit: limiter,
      ...(recorder ? { recorder } : {}),
    });
  return {
    ids: world.instances.map((i) => i.id),
    settings,
    clients,
    sequential: {
      instanceId: world.instances[0]!.id,
      targetGroupArn: world.targetGroupArn,
      untrackGroup: world.untrackGroup,
      isolationGroup: world.isolationGroup,
      roleName: world.roleName,
      profileName: world.profileName,
      denyAllProfile: settings.denyAllInstanceProfile,
      accountId: world.account,
    },
    describe: () => transport.summary(),
    tokens: () => transport.admitted,
    openEnis: () => world.instances.filter((i) => i.groups.includes(world.untrackGroup)).length,
    close: async () => undefined,
  };
}
