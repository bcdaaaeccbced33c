/** The vocabulary of an evidence verification report (`ir verify`, the manifest step, recover's gate). */

export type VerifyProblemKind =
  | "manifest-missing"
  | "manifest-hash"
  | "manifest-lock"
  | "artefact-missing"
  | "artefact-hash"
  | "artefact-lock"
  | "artefact-version"
  | "journal-chain"
  | "snapshot-missing";

export interface VerifyProblem {
  kind: VerifyProblemKind;
  /** The S3 key (or snapshot id, or journal sequence) the problem is about. */
  key?: string;
  detail: string;
}
