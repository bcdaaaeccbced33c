/**
 * A strict layer with chosen rules in front of the test moto: each rule's own test shows it firing
 * without the others in the way. The shared moto is reset first, as `useMoto()` does.
 */
import { AwsClients } from "../../automation/aws/clients";
import { type StrictLayer, startStrictLayer } from "../../automation/emulator/strict/server";
import type { StrictRule } from "../../automation/emulator/strict/types";
import { motoServer, TEST_CREDENTIALS, TEST_REGION } from "./moto";

export interface RuleLayer {
  layer: StrictLayer;
  endpoint: string;
  /** Administrator clients through the layer (keys the layer did not issue). */
  admin: AwsClients;
  /** Clients through the layer with these credentials (e.g. an assumed role's). */
  as(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): AwsClients;
  stop(): Promise<void>;
}

export async function startRuleLayer(rules: readonly StrictRule[]): Promise<RuleLayer> {
  const server = await motoServer();
  await server.reset();
  const layer = await startStrictLayer({ upstream: server.moto.endpoint, rules });
  const made: AwsClients[] = [];
  const clients = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
    const c = new AwsClients({
      endpoint: layer.endpoint,
      region: TEST_REGION,
      credentials,
      retry: { maxAttempts: 1 },
    });
    made.push(c);
    return c;
  };
  const admin = clients(TEST_CREDENTIALS);
  return {
    layer,
    endpoint: layer.endpoint,
    admin,
    as: clients,
    async stop() {
      for (const c of made) c.destroy();
      await layer.stop();
    },
  };
}
