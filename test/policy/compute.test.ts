import * as cases from "./cases/compute";
import { specify } from "./harness";

describe("policy pack: instances, volumes, images", () => {
  for (const s of Object.values(cases)) specify(s);
});
