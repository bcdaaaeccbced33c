/**
 * One moto server per mocha run (per worker), behind the strict layer that answers as AWS does where moto
 * does not (automation/emulator/strict, docs/strict-aws.md). Started lazily by the first suite that asks
 * for it and killed when the process exits. Suites call `useMoto()` in a `before` hook: it returns the
 * layer's endpoint, and resets the emulator and the layer so every suite starts from an empty account.
 * `IR_STRICT=off` is the explicit switch for plain moto (never used to make a test pass).
 */
import { AwsClients, type CallRecorder } from "../../automation/aws/clients";
import { resetSharedEc2RateLimiters } from "../../automation/aws/rate-limiter";
import type { RetryPolicy } from "../../automation/aws/retry";
import { startMoto } from "../../automation/emulator/moto";
import type { StrictLayer } from "../../automation/emulator/strict/server";
import {
  type StrictMotoServer,
  strictEnabled,
  withStrictLayer,
} from "../../automation/emulator/strict/start";

let server: Promise<StrictMotoServer> | undefined;

export const TEST_REGION = "us-east-1";
export const TEST_ACCOUNT = "123456789012";
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export function motoServer(): Promise<StrictMotoServer> {
  // Set on every call, not only the first: a suite that restores its environment must not leave the
  // next suites without them. moto reads these; the SDK must never find real credentials in a test run.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = TEST_REGION;
  if (!server) server = startMoto().then((moto) => withStrictLayer(moto, { strict: strictEnabled() }));
  return server;
}

/** The strict layer in front of the test moto (throws when IR_STRICT=off: the test needs the layer). */
export async function strictLayer(): Promise<StrictLayer> {
  const s = await motoServer();
  if (!s.layer) throw new Error("this test needs the strict layer: unset IR_STRICT=off");
  return s.layer;
}

/** Starts (once) and resets moto and the layer; returns the layer's endpoint. Call from a `before` hook. */
export async function useMoto(): Promise<string> {
  const moto = await motoServer();
  await moto.reset();
  // A fresh account: the layer's EC2 buckets are full again, so the clients' own copies start full too.
  resetSharedEc2RateLimiters();
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

/** The responder's session as environment variables (a child `ir` process signs with them). */
export function responderEnv(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
  };
}

/** Clients signed with the responder role's session (see automation/emulator/responder-role.ts). */
export function responderClients(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  extra: { recorder?: CallRecorder; latencyMs?: number; retry?: Partial<RetryPolicy> } = {},
): AwsClients {
  return new AwsClients({
    endpoint,
    region: TEST_REGION,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    ...extra,
    // No retries unless asked ({} is the production policy).
    retry: extra.retry ?? { maxAttempts: 1 },
  });
}
