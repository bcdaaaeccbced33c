/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run) loads a
 * report full of hostile strings and dumps the DOM it built. The timeline must be there with one bar
 * per phase that ran and a group per phase; no injected element, handler or script may exist; the page
 * may reference nothing outside itself; and no hostile payload may have run (it would retitle the page).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { writeReports } from "../../automation/report/write";
import { hostileReport } from "./hostile";

const CHROMIUM = ["chromium", "chromium-browser"].find(
  (bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).status === 0,
);

/** Runs Chromium headless on a file and returns the serialised DOM (bounded: a hung browser fails the test). */
function dumpDom(file: string, profile: string): string {
  const res = spawnSync(
    CHROMIUM!,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      // Any attempt to reach the network fails fast instead of resolving.
      "--host-resolver-rules=MAP * ~NOTFOUND",
      "--dump-dom",
      pathToFileURL(file).href,
    ],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
  );
  if (res.error) throw res.error;
  expect(res.status, res.stderr.slice(-2000)).to.equal(0);
  return res.stdout;
}

describe("report: report.html in headless Chromium", function () {
  this.timeout(90_000);
  let dir: string;
  let dom: string;
  const report = hostileReport();

  before(async function () {
    if (!CHROMIUM) {
      // CI installs it (.ci/run); a laptop without it skips with the reason rather than failing.
      console.warn(
        "    skipped: chromium is not installed (apt-get install -y --no-install-recommends chromium)",
      );
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "ir-report-html-"));
    const { html } = await writeReports(report, dir);
    dom = dumpDom(html, join(dir, "profile"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("renders the timeline SVG with a group per phase and a bar per phase that ran", () => {
    expect(dom.match(/<svg [^>]*class="timeline"/g)).to.have.length(1);
    const groups = [...dom.matchAll(/<g class="phase" data-phase="([a-z]+)"/g)].map((m) => m[1]);
    expect(groups).to.deep.equal(report.phases.map((p) => p.phase));
    const ran = report.phases.filter((p) => p.steps.length > 0).length;
    expect(ran).to.equal(6);
    expect(dom.match(/<rect class="phase-bar/g)).to.have.length(ran);
    expect(dom.match(/<line class="step-mark/g)).to.have.length(report.steps.length);
  });

  it("builds no element, handler or script from the hostile strings, and none of them ran", () => {
    expect(dom).not.to.match(/<(script|img|iframe|object|embed|video|audio|form)\b/i);
    // Text nodes are serialised with "<" escaped, so any "<svg" is a real element: only the timeline.
    expect(dom.match(/<svg\b/g)).to.have.length(1);
    expect(dom).not.to.match(/<[^>]*\son[a-z]+\s*=/i);
    expect(dom).to.match(/<title>Case c-[0-9a-z-]+<\/title>/);
    expect(dom).not.to.include("pwned</title>");
    // The payloads are on the page, as text.
    expect(dom).to.include("&lt;script&gt;document.title='pwned'&lt;/script&gt;");
  });

  it("references nothing outside the page", () => {
    const tags = dom.match(/<[^>]*>/g) ?? [];
    expect(tags.filter((t) => /\s(src|href|srcset|action|xlink:href)=/i.test(t))).to.deep.equal([]);
    expect(dom).not.to.match(/url\(|@import/i);
  });
});
