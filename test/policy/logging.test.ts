import * as cases from "./cases/logging";
import { specify } from "./harness";

describe("policy pack: logging, load balancers, keys", () => {
  for (const s of Object.values(cases)) specify(s);
});
