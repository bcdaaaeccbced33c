import * as cases from "./cases/peer-classes";
import { specify } from "./harness";

describe("policy pack: classes peers cover (egress, PassRole, open trust and key policies, GuardDuty, SSM documents)", () => {
  for (const s of Object.values(cases)) specify(s);
});
