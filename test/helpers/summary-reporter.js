// mocha's spec reporter, plus one plain closing line ("tests: N passed, N failed, N skipped") that CI
// systems and people can read without knowing mocha's wording.
const { Spec } = require("mocha").reporters;

class SpecWithSummary extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once("end", () => {
      const s = runner.stats;
      process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = SpecWithSummary;
