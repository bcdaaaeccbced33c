import * as cases from "./cases/fleet";
import { specify } from "./harness";

describe("policy pack: spot fleets, mixed unknowns, exemption tags", () => {
  for (const s of Object.values(cases)) specify(s);
});
