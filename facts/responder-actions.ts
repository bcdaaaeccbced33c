/**
 * Every AWS action the response automation calls. The responder role's IAM policy is generated from
 * this list (components/responder-access.ts), and a test records the actions the automation really
 * calls, so the policy and the code cannot drift apart. Keep it sorted by service, then action.
 *
 * Owner: the responder engine. Add an action here in the same change that starts calling it.
 */
export const RESPONDER_ACTIONS: readonly string[] = [];
