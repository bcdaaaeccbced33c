/** What a benchmark scenario hands the driver: targets, settings, clients, the sequential baseline. */
import type { AwsClients, CallRecorder } from "../automation/aws/clients";
import type { BucketSize } from "../automation/aws/token-bucket";
import type { ResolvedSettings } from "../automation/settings/settings";
import type { SequentialTarget } from "./sequential";

export interface Scenario {
  ids: string[];
  settings: ResolvedSettings;
  /** Clients of the measured run (recorded) or of the sequential baseline. */
  clients(recorder?: CallRecorder): AwsClients;
  /** An instance the sequential baseline contains (not one of `ids` once they are contained). */
  sequential: SequentialTarget;
  /** One line about the transport after the run (attempts, throttling...). */
  describe(): string;
  /** Tokens taken per AWS bucket, with when (the latency model only). */
  tokens?(): TokensTaken;
  /** ENIs in the all-open untrack group now (the fake world: after the response, it must be 0). */
  openEnis?(): number;
  close(): Promise<void>;
}

/** Per bucket ("service:bucket"), its size and when each of its tokens was taken. */
export type TokensTaken = ReadonlyMap<string, { size: BucketSize; at: number[] }>;
