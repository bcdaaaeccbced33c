import * as cases from "./cases/identity";
import { specify } from "./harness";

describe("policy pack: IAM", () => {
  for (const s of Object.values(cases)) specify(s);
});
