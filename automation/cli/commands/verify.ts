/**
 * `ir verify <case-id>`: re-reads the case's manifest and every artefact, re-computes the hashes, checks
 * the compliance locks, the snapshots and the journal's hash chain, and names every problem. Reads
 * only. Exits 0 when everything verifies, 10 when anything does not (tampering), 2 on bad input.
 */

import { checkCaseId } from "../../case/ids";
import { verifyCase } from "../../evidence/verify";
import { EXIT } from "../exit-codes";
import { safe } from "../render";
import { type Common, clientsFor, commonOptions } from "../shared";
import type { AddCommand } from "./index";

export const addVerifyCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("verify")
      .description(
        "verify a case's evidence: manifest and artefact hashes, compliance locks, overwrites and deletions, snapshots, journal chain",
      )
      .argument("<case-id>", "the case to verify (c-...), as `ir respond` printed it"),
  )
    .option("--evidence-bucket <name>", "Object-Lock evidence bucket (when the case did not record it)")
    .action(async (caseId: string, opts: Common) => {
      checkCaseId(caseId);
      const { settings, clients } = clientsFor(opts);
      try {
        const r = await verifyCase({ caseId, settings, clients });
        const code = r.ok ? EXIT.ok : EXIT.evidenceTampered;
        if (opts.json) io.out(JSON.stringify({ command: "verify", exitCode: code, ...r }, null, 2));
        else {
          io.out(
            `case ${r.caseId}: evidence ${r.ok ? "verifies" : "DOES NOT VERIFY"}: ${r.artefacts} artefact(s), manifest ${safe(r.manifestKey ?? "(none)")}${r.lockedUntil ? ` locked until ${r.lockedUntil}` : ""}, journal chain ${r.chain.ok ? "intact" : "BROKEN"} (${r.chain.entries} entries)`,
          );
          for (const p of r.problems) io.out(`  ${p.kind.padEnd(16)} ${safe(p.detail, 400)}`);
        }
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
