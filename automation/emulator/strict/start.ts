/**
 * moto with the strict layer in front: what the tests, the game day and the benches use by default. The
 * returned server has moto's shape (endpoint, reset, stop), so callers need not know the layer is there;
 * `strict: false` (the explicit switch, e.g. IR_STRICT=off, `gameday --no-strict`) gives moto as it is,
 * refusing nothing AWS refuses, with only the work-arounds of moto bugs in front (MOTO_SHIMS: without
 * them the game day cannot even seed its flow logs).
 */
import type { MotoServer } from "../moto";
import { MOTO_SHIMS, STRICT_RULES } from "./rules";
import { type StrictLayer, startStrictLayer } from "./server";
import type { StrictRule } from "./types";

export interface StrictMotoServer extends MotoServer {
  /** The layer (undefined when it is switched off). */
  layer?: StrictLayer;
  /** moto itself, behind the layer: for what must bypass it (the layer's own tests). */
  moto: MotoServer;
}

/** True unless `IR_STRICT` is `off`, `0` or `false`. */
export function strictEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(off|0|false|no)$/i.test(env.IR_STRICT ?? "");
}

export async function withStrictLayer(
  moto: MotoServer,
  options: { strict?: boolean; rules?: readonly StrictRule[] } = {},
): Promise<StrictMotoServer> {
  const strict = options.strict !== false;
  const rules = strict ? (options.rules ?? STRICT_RULES) : MOTO_SHIMS;
  const layer = await startStrictLayer({ upstream: moto.endpoint, rules });
  const port = Number(new URL(layer.endpoint).port);
  return {
    endpoint: layer.endpoint,
    port,
    // Undefined when strictness is off: the shims alone are not the strict layer.
    ...(strict ? { layer } : {}),
    moto,
    async reset() {
      await moto.reset();
      layer.reset();
    },
    async stop() {
      await layer.stop();
      await moto.stop();
    },
  };
}
