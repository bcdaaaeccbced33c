/**
 * One moto server per mocha run, started lazily by the first suite that asks for it and killed when
 * the process exits. Suites call `useMoto()` in a `before` hook: it returns the endpoint, and resets
 * the emulator so every suite starts from an empty account.
 */
import { AwsClients } from "../../automation/aws/clients";
import { type MotoServer, startMoto } from "../../automation/emulator/moto";

let server: Promise<MotoServer> | undefined;

export const TEST_REGION = "us-east-1";
export const TEST_ACCOUNT = "123456789012";
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export function motoServer(): Promise<MotoServer> {
  // Set on every call, not only the first: a suite that restores its environment must not leave the
  // next suites without them. moto reads these; the SDK must never find real credentials in a test run.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = TEST_REGION;
  if (!server) server = startMoto();
  return server;
}

/** Starts (once) and resets moto; returns its endpoint. Call from a suite's `before` hook. */
export async function useMoto(): Promise<string> {
  const moto = await motoServer();
  await moto.reset();
  return moto.endpoint;
}

/** Clients wired to the test moto: dummy credentials, no retries. */
export function motoClients(
  endpoint: string,
  extra: { latencyMs?: number; region?: string } = {},
): AwsClients {
  return new AwsClients({
    endpoint,
    region: extra.region ?? TEST_REGION,
    credentials: TEST_CREDENTIALS,
    retry: { maxAttempts: 1 },
    latencyMs: extra.latencyMs,
  });
}
