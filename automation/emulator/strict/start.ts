/**
 * moto with the strict layer in front: what the tests, the game day and the benches use by default. The
 * returned server has moto's shape (endpoint, reset, stop), so callers need not know the layer is there;
 * `strict: false` (the explicit switch, e.g. IR_STRICT=off) gives plain moto.
 */
import type { MotoServer } from "../moto";
import { STRICT_RULES } from "./rules";
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
  if (options.strict === false) return { ...moto, moto };
  const layer = await startStrictLayer({ upstream: moto.endpoint, rules: options.rules ?? STRICT_RULES });
  const port = Number(new URL(layer.endpoint).port);
  return {
    endpoint: layer.endpoint,
    port,
    layer,
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
