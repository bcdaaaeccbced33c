import * as cases from "./cases/network";
import { specify } from "./harness";

describe("policy pack: network exposure", () => {
  for (const s of Object.values(cases)) specify(s);
});
