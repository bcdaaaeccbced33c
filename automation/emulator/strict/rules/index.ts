/**
 * Every rule of the strict layer, in the order a request meets them: credentials first, then pacing,
 * then authorisation, then each service's own refusals. One rule per file; docs/strict-aws.md lists them.
 */
import type { StrictRule } from "../types";
import { stsSessions } from "./sts-sessions";

export const STRICT_RULES: readonly StrictRule[] = [stsSessions];
