/**
 * The one module of facts that the baseline (`components/`), the responder (`automation/`) and the
 * policy pack (`policy/`) all import. It has no dependencies, so the policy pack can import it too.
 */
export * from "./flow-logs";
export * from "./forensic";
export * from "./names";
export * from "./policy-names";
export * from "./responder-actions";
export * from "./responder-settings";
export * from "./tags";
