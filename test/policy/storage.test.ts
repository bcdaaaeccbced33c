import * as cases from "./cases/storage";
import { specify } from "./harness";

describe("policy pack: S3", () => {
  for (const s of Object.values(cases)) specify(s);
});
