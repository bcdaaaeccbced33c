/**
 * Commands beyond respond/plan/status/release/bootstrap, one file each. Each adds itself to the
 * program with the shared I/O seam and reports its exit code through `setCode`.
 */
import type { Command } from "commander";
import type { Io } from "../shared";
import { addAnalyzeCommand } from "./analyze";
import { addDoctorCommand } from "./doctor";
import { addInvestigateCommand } from "./investigate";
import { addRecoverCommand } from "./recover";
import { addReportCommand } from "./report";
import { addVerifyCommand } from "./verify";

export type AddCommand = (program: Command, io: Io, setCode: (code: number) => void) => void;

export const COMMANDS: AddCommand[] = [
  addAnalyzeCommand,
  addReportCommand,
  addInvestigateCommand,
  addRecoverCommand,
  addVerifyCommand,
  addDoctorCommand,
];
