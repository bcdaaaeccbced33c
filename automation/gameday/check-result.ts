/** A game-day check's result and the helpers every check file shares. */

export interface Check {
  id: string;
  stage: "contained" | "investigated" | "final";
  title: string;
  ok: boolean;
  detail: string;
}

export type Stage = Check["stage"];
export const pass = (stage: Stage, id: string, title: string, detail: string): Check => ({
  id,
  stage,
  title,
  ok: true,
  detail,
});
export const fail = (stage: Stage, id: string, title: string, detail: string): Check => ({
  id,
  stage,
  title,
  ok: false,
  detail,
});

/** Runs one check; an exception is a failed check with its message, never a crash of the game day. */
export async function guarded(
  stage: Stage,
  id: string,
  title: string,
  body: () => Promise<Check>,
): Promise<Check> {
  try {
    return await body();
  } catch (err) {
    return fail(stage, id, title, `could not be checked: ${(err as Error).name}: ${(err as Error).message}`);
  }
}
