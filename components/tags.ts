import { MANAGED_BY, TAG } from "../facts";

/** Tags every baseline resource carries, so the responder and auditors can tell ours from theirs. */
export const baseTags = (extra: Record<string, string> = {}): Record<string, string> => ({
  [TAG.managedBy]: MANAGED_BY,
  ...extra,
});
