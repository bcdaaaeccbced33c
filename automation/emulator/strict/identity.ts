/**
 * Who signed a request. The layer learns temporary credentials when it passes an STS AssumeRole answer
 * back (rules/sts-sessions.ts), and when the simulated SSM agent takes an instance's credentials; any
 * other access key is the administrator of the account the request names (the test harness, the game
 * day's seeding, a person exploring).
 */
import { DEFAULT_ACCOUNT_ID } from "./account";
import type { Principal, StrictState } from "./types";

export type RoleSession = Extract<Principal, { kind: "role-session" }>;

/** The access key that signs as EC2 itself (see Principal "service"). Only the emulator knows it. */
export const EC2_SERVICE_ACCESS_KEY = "EC2-SERVICE-IMDS";

export class Identities {
  private readonly sessions = new Map<string, RoleSession>();

  /** Remembers credentials the layer issued (or saw issued). */
  add(session: RoleSession): void {
    this.sessions.set(session.accessKeyId, session);
  }

  session(accessKeyId: string): RoleSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  all(): RoleSession[] {
    return [...this.sessions.values()];
  }

  principalOf(accessKeyId: string | undefined, headerAccount: string | undefined): Principal {
    const accountId = headerAccount ?? DEFAULT_ACCOUNT_ID;
    if (!accessKeyId) return { kind: "anonymous", accountId, arn: "anonymous" };
    const session = this.sessions.get(accessKeyId);
    if (session) return session;
    if (accessKeyId === EC2_SERVICE_ACCESS_KEY)
      return { kind: "service", accountId, arn: "ec2.amazonaws.com" };
    return { kind: "admin", accountId, arn: `arn:aws:iam::${accountId}:root` };
  }
}

/** The layer's identities (one per layer, forgotten on reset with the rest of its state). */
export const identitiesOf = (state: StrictState): Identities =>
  state.of("identities", () => new Identities());
