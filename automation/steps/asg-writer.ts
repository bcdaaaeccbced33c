/**
 * One writer per Auto Scaling group: Auto Scaling applies one update at a time per group and answers
 * `ResourceContention` to the others, so the cases of one response that take members of the same group
 * out of service go through this writer. Requests made while a call is in flight are batched into the
 * next call (DetachInstances and EnterStandby take up to 20 ids); contention from outside (another
 * process, the group's own scaling) is waited out with jittered backoff.
 */
import {
  type AutoScalingClient,
  DetachInstancesCommand,
  EnterStandbyCommand,
  SetInstanceProtectionCommand,
} from "@aws-sdk/client-auto-scaling";
import { sleep } from "../aws/retry";
import { errorName } from "./util";

/** Auto Scaling's limit of instance ids per DetachInstances / EnterStandby / SetInstanceProtection. */
export const MAX_IDS_PER_CALL = 20;
/** Attempts of one batch under ResourceContention (backoff 200 ms doubling to 3.2 s: about 6 s). */
const CONTENTION_ATTEMPTS = 6;

export interface LeaveRequest {
  group: string;
  instanceId: string;
  action: "detach" | "standby";
  decrement: boolean;
}

/** What happened to one instance's request. */
export interface LeaveOutcome {
  /** False when the group refused to shrink below its minimum: detached without decrementing. */
  decremented: boolean;
  note?: string;
  /** Calls that met ResourceContention before this one's batch went through. */
  contention: number;
}

interface Pending {
  request: LeaveRequest;
  resolve: (o: LeaveOutcome) => void;
  reject: (e: unknown) => void;
}

export class AsgWriter {
  /** Requests waiting, per group; a group's key is present while its writer runs. */
  private readonly queues = new Map<string, Pending[]>();

  constructor(private readonly random: () => number = Math.random) {}

  /** Takes one instance out of its group's service, with the others of this response that ask. */
  leave(client: AutoScalingClient, request: LeaveRequest): Promise<LeaveOutcome> {
    return new Promise<LeaveOutcome>((resolve, reject) => {
      const queue = this.queues.get(request.group);
      if (queue) {
        queue.push({ request, resolve, reject });
        return;
      }
      this.queues.set(request.group, [{ request, resolve, reject }]);
      // Next tick: the cases started together join the first call.
      setImmediate(() => void this.drain(client, request.group));
    });
  }

  private async drain(client: AutoScalingClient, group: string): Promise<void> {
    const queue = this.queues.get(group)!;
    while (queue.length > 0) {
      // One kind of call at a time: the same action and decrement go together.
      const first = queue[0]!.request;
      const batch = queue
        .filter((p) => p.request.action === first.action && p.request.decrement === first.decrement)
        .slice(0, MAX_IDS_PER_CALL);
      for (const p of batch) queue.splice(queue.indexOf(p), 1);
      try {
        const outcome = await this.apply(
          client,
          group,
          first,
          batch.map((p) => p.request.instanceId),
        );
        for (const p of batch) p.resolve(outcome);
      } catch (err) {
        if (batch.length === 1 || errorName(err) !== "ValidationError") {
          for (const p of batch) p.reject(err);
          continue;
        }
        // One member's state refused the whole call: each on its own, so the others still leave.
        for (const p of batch) {
          await this.apply(client, group, first, [p.request.instanceId]).then(p.resolve, p.reject);
        }
      }
    }
    this.queues.delete(group);
  }

  private async apply(
    client: AutoScalingClient,
    group: string,
    kind: LeaveRequest,
    ids: string[],
  ): Promise<LeaveOutcome> {
    let contention = 0;
    const send = async <T>(call: () => Promise<T>): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call();
        } catch (err) {
          if (errorName(err) !== "ResourceContention" || attempt >= CONTENTION_ATTEMPTS) throw err;
          contention++;
          await sleep(100 * 2 ** attempt * (0.5 + this.random() / 2));
        }
      }
    };
    if (kind.action === "standby") {
      // In Standby the instance stays in the group: keep scale-in away from it too.
      await send(() =>
        client.send(
          new SetInstanceProtectionCommand({
            AutoScalingGroupName: group,
            InstanceIds: ids,
            ProtectedFromScaleIn: true,
          }),
        ),
      );
      await send(() =>
        client.send(
          new EnterStandbyCommand({
            AutoScalingGroupName: group,
            InstanceIds: ids,
            ShouldDecrementDesiredCapacity: kind.decrement,
          }),
        ),
      );
      return { decremented: kind.decrement, contention };
    }
    const detach = (decrement: boolean) =>
      send(() =>
        client.send(
          new DetachInstancesCommand({
            AutoScalingGroupName: group,
            InstanceIds: ids,
            ShouldDecrementDesiredCapacity: decrement,
          }),
        ),
      );
    try {
      await detach(kind.decrement);
      return { decremented: kind.decrement, contention };
    } catch (err) {
      // Decrementing below the minimum size is refused: detach without decrementing instead.
      if (kind.decrement && errorName(err) === "ValidationError" && /min/i.test((err as Error).message)) {
        await detach(false);
        return {
          decremented: false,
          note: `decrement refused (${(err as Error).message}): detached without decrementing`,
          contention,
        };
      }
      throw err;
    }
  }
}
