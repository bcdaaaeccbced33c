/** The three renderers: hostile strings stay text, long values are cut visibly, nothing external. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { buildReport } from "../../automation/report/build";
import { renderHtml } from "../../automation/report/render-html";
import { renderJson } from "../../automation/report/render-json";
import { renderMarkdown } from "../../automation/report/render-markdown";
import { clean, html, md } from "../../automation/report/text";
import { writeReports } from "../../automation/report/write";
import { containedCase, HOSTILE } from "./fixture";
import { hostileReport } from "./hostile";

/** Raw control characters and bidi overrides: none may reach a report. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("report: renderers", () => {
  const r = hostileReport();

  describe("text helpers", () => {
    it("strip ANSI sequences, make other controls and bidi overrides visible, cut long values with their length", () => {
      // The escape and bell characters are gone; what an OSC sequence carried is left as plain text.
      expect(clean(HOSTILE.ansi)).to.equal("red?]0;retitled? bell");
      expect(clean(clean("y".repeat(5000)), 10)).to.equal("yyyyyyyyyy… [truncated: 5000 characters]");
      expect(clean(HOSTILE.bidi)).to.equal("invoice\\u202etxt.exe");
      expect(clean("x".repeat(500), 10)).to.equal("xxxxxxxxxx… [truncated: 500 characters]");
      expect(html(HOSTILE.svg)).to.equal("&quot;&gt;&lt;svg onload=alert(1)&gt;");
      expect(md("a|b `c` [l](http://evil.example) <b> x@y.z www.evil.example")).to.equal(
        "a\\|b \\`c\\` \\[l\\](hxxp\\[://\\]evil.example) &lt;b&gt; x\\[@\\]y.z www\\[.\\]evil.example",
      );
    });
  });

  describe("HTML", () => {
    const page = renderHtml(r);

    it("renders every hostile string as text: no script, no injected element or handler", () => {
      expect(page).not.to.match(/<script|<img|<iframe|<object|<embed/i);
      expect(page.match(/<svg/g)).to.have.length(1);
      expect(page).not.to.match(/<[^>]*\son[a-z]+\s*=/i);
      expect(page).to.include("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;");
      expect(page).to.include("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;");
      expect(page).to.include("<th>finding title</th><td>&quot;&gt;&lt;svg onload=alert(1)&gt;</td>");
      expect(page).not.to.match(CONTROL);
    });

    it("cuts 100 KB values visibly and stays small", () => {
      expect(page).to.include(`… [truncated: ${HOSTILE.long.length} characters]`);
      expect(page.length).to.be.lessThan(120_000);
    });

    it("references nothing outside itself and forbids scripts by policy", () => {
      // Text never holds a raw "<" (it is escaped), so every "<...>" is markup of the page itself.
      const tags = page.match(/<[^>]*>/g) ?? [];
      expect(tags.filter((t) => /https?:|src=|href=|url\(|xlink:/i.test(t))).to.deep.equal([]);
      const css = page.slice(page.indexOf("<style>"), page.indexOf("</style>"));
      expect(css).not.to.match(/url\(|@import|https?:/i);
      expect(page).to.include(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    });

    it("draws the timeline: a group per phase, a bar per phase that ran, a mark per step", () => {
      expect(page.match(/<g class="phase" /g)).to.have.length(6);
      expect(page.match(/<rect class="phase-bar/g)).to.have.length(
        r.phases.filter((p) => p.steps.length).length,
      );
      expect(page.match(/<line class="step-mark/g)).to.have.length(r.steps.length);
      expect(page).to.match(/data-figure="contained"/);
      expect(page).to.match(/data-figure="recovered"/);
    });

    it("shows phases of a contained-only case as not run", () => {
      const contained = renderHtml(buildReport(containedCase()));
      expect(contained.match(/<text class="not-run"[^>]*>not run<\/text>/g)).to.have.length(4);
      expect(contained).not.to.match(/data-figure="recovered"/);
    });
  });

  describe("Markdown", () => {
    const text = renderMarkdown(r);

    it("keeps every table row's cells intact despite pipes in values", () => {
      // Each table: every row has as many unescaped pipes as its header.
      const tables = text.split(/\n\n/).filter((b) => b.startsWith("|"));
      expect(tables.length).to.be.greaterThan(5);
      for (const t of tables) {
        const counts = t.split("\n").map((l) => l.replace(/\\\|/g, "").split("|").length);
        expect(new Set(counts).size, t.slice(0, 200)).to.equal(1);
      }
    });

    it("contains no raw HTML, no live link or image, no autolinkable URL, no control character", () => {
      // The one markup allowed: our own AWS abuse form as an autolink.
      expect(text.replaceAll("<https://support.aws.amazon.com/#/contacts/report-abuse>", "")).not.to.match(
        /<[a-z/!]/i,
      );
      expect(text).not.to.match(/(^|[^\\])\]\(/m);
      expect(text).not.to.match(/https?:\/\/(?!support\.aws\.amazon\.com)/i);
      expect(text).not.to.match(/(^|[^\\])`[^`\n]*[^0-9a-f`\n][^`\n]*`/);
      expect(text).not.to.match(CONTROL);
      expect(text).to.include(`… \\[truncated: ${HOSTILE.long.length} characters\\]`);
    });

    it("says which phases did not run", () => {
      const contained = renderMarkdown(buildReport(containedCase()));
      expect(contained).to.match(/\| investigate \| not run \|/);
      expect(contained).to.match(/## Analysis\n\n_not run_/);
      expect(contained).to.match(/## Recovery\n\n_not run_/);
      expect(contained).to.match(/\| time to recover \| not reached: the recover-health step has not run \|/);
    });
  });

  describe("JSON", () => {
    it("is the model, with markup characters escaped", () => {
      const text = renderJson(r);
      expect(JSON.parse(text)).to.deep.equal(JSON.parse(JSON.stringify(r)));
      expect(text).not.to.match(/[<>&]/);
    });

    it("bounds values in the model too (a 100 KB tag does not make a 100 KB report)", () => {
      expect(renderJson(r).length).to.be.lessThan(150_000);
      const blob = r.case.instance?.tags.find((t) => t.key === "blob");
      expect(blob?.value).to.match(/… \[truncated: 102400 characters\]$/);
      expect(r.case.source?.file).to.match(/^A{500}… \[truncated: 102400 characters\]$/);
      expect(r.case.source?.description).to.have.length.lessThan(2100);
    });
  });

  it("writeReports writes the three files and returns their paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-report-"));
    try {
      const paths = await writeReports(r, join(dir, "nested"));
      expect(paths).to.deep.equal({
        json: join(dir, "nested", "report.json"),
        markdown: join(dir, "nested", "report.md"),
        html: join(dir, "nested", "report.html"),
      });
      expect(readFileSync(paths.html, "utf8")).to.equal(renderHtml(r));
      expect(JSON.parse(readFileSync(paths.json, "utf8")).case.caseId).to.equal(r.case.caseId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
