/** Confirmation for commands that change things: a prompt on a TTY, `--yes` required otherwise. */
import { createInterface } from "node:readline/promises";

export async function confirm(question: string, yes: boolean | undefined): Promise<boolean | "no-tty"> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) return "no-tty";
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
