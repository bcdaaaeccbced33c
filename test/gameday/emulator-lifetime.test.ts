/**
 * The emulator the game day (and every integration test) starts must not outlive the process that
 * started it: a process killed by a signal runs no 'exit' handler, so `kill`, `timeout` or a cancelled
 * CI job used to leave moto_server serving on its port. Each case starts a real moto in a child Node
 * process, signals that process, and checks both how it ended and that the port is closed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { expect } from "chai";
import { findMotoServer } from "../../automation/emulator/moto";

const ROOT = `${__dirname}/../..`;

/** A Node process that starts moto, prints its port and pid, and waits (with `setup` run first). */
async function hostOfMoto(setup = ""): Promise<{ proc: ChildProcess; port: number }> {
  const script = `${setup}
    require("./automation/emulator/moto").startMoto().then((m) => {
      console.log(JSON.stringify({ port: m.port }));
      setInterval(() => undefined, 1000);
    });`;
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  for await (const chunk of proc.stdout!) {
    out += String(chunk);
    if (out.includes("\n")) break;
  }
  return { proc, port: (JSON.parse(out) as { port: number }).port };
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );

/** True once nothing answers on the port (SIGKILL is immediate, the socket closes with the process). */
async function closedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await answers(port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("the emulator dies with the process that started it", function () {
  this.timeout(60_000);
  before(function () {
    if (!findMotoServer()) this.skip();
  });

  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} with no handler of its own: the process still dies of ${signal}, and moto with it`, async () => {
      const { proc, port } = await hostOfMoto();
      expect(await answers(port), "moto serves before the signal").to.equal(true);
      const ended = once(proc, "exit");
      proc.kill(signal);
      const [code, by] = await ended;
      expect({ code, by }).to.deep.equal({ code: null, by: signal });
      expect(await closedWithin(port, 5000), `moto still answers on ${port}`).to.equal(true);
    });
  }

  it("a process that handles SIGTERM itself decides how it ends; moto goes when it exits", async () => {
    const { proc, port } = await hostOfMoto(
      `process.on("SIGTERM", () => setTimeout(() => process.exit(7), 300));`,
    );
    const ended = once(proc, "exit");
    proc.kill("SIGTERM");
    // The handler's grace period: the emulator is still there for it to use.
    await new Promise((r) => setTimeout(r, 100));
    expect(await answers(port), "moto serves during the process's own shutdown").to.equal(true);
    const [code] = await ended;
    expect(code).to.equal(7);
    expect(await closedWithin(port, 5000), `moto still answers on ${port}`).to.equal(true);
  });
});
