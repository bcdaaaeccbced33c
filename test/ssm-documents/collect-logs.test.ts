/**
 * The log-collection script, checked by reading what it runs and by running it under bash against a
 * loopback HTTP server that stands in for S3: the uploads must go to the presigned URLs and nowhere
 * else, each body must hash to what the script reports, and a hostile file name must stay data.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import {
  COLLECTION_ARTEFACTS,
  parseCollectionOutput,
} from "../../automation/ssm-documents/collect-artefacts";
import { collectLogsDocument, collectLogsScript } from "../../automation/ssm-documents/collect-logs";
import { PRESIGNED_URL_PATTERN, ScriptInputError, shellQuote } from "../../automation/ssm-documents/shell";

const run = promisify(execFile);
const SINCE = new Date("2026-11-28T02:00:00Z");

async function presignedUrls(endpoint: string): Promise<Record<string, string>> {
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: {
      accessKeyId: "testing",
      secretAccessKey: "testing",
      sessionToken: "FwoGZXIvYXdzE+/token==",
    },
  });
  const urls: Record<string, string> = {};
  for (const a of COLLECTION_ARTEFACTS) {
    urls[a.name] = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: "evidence-111122223333", Key: `cases/case-1/logs/${a.name}` }),
      { expiresIn: 900 },
    );
  }
  return urls;
}

/** Temporary directories of this file, removed when its suites end. */
const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(prefix);
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ssm-documents: log and volatile-state collection", () => {
  describe("what it runs", () => {
    let urls: Record<string, string>;
    let script: string;
    before(async () => {
      urls = await presignedUrls("https://s3.eu-central-1.amazonaws.com");
      script = collectLogsScript({ urls, since: SINCE });
    });

    it("1. real SDK presigned URLs are accepted, each appears once, single-quoted", () => {
      for (const url of Object.values(urls)) {
        expect(url).to.match(new RegExp(PRESIGNED_URL_PATTERN));
        expect(script.split(shellQuote(url)).length - 1).to.equal(1);
      }
    });

    it("2. no AWS credentials, no AWS CLI, no instance metadata, no other destination", () => {
      expect(script).to.not.match(/\baws\s/);
      expect(script).to.not.match(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)/);
      expect(script).to.not.match(/169\.254\.169\.254|fd00:ec2::254|\/latest\/meta-data/);
      const curls = script.split("\n").filter((l) => /\bcurl\b/.test(l) && !l.trim().startsWith("#"));
      expect(curls).to.have.length(1);
      expect(curls[0]).to.match(
        /-X PUT -H "Content-MD5: \$md5" --upload-file "\$file" -o \/dev\/null "\$url";/,
      );
      expect(script).to.not.match(/\b(wget|nc|scp|ssh) /);
      const literalUrls = script.match(/https?:\/\/[^'\s]+/g) ?? [];
      expect(literalUrls.sort()).to.deep.equal(Object.values(urls).sort());
    });

    it("3. file names travel NUL-separated and are never evaluated", () => {
      expect(script).to.include("--null --files-from -");
      expect(script).to.include("-print0");
      expect(script).to.include("xargs -0");
      expect(script).to.not.match(/\beval\b|\$\(ls|for \w+ in \$\(/);
      expect(script).to.include("sha256sum");
    });

    it("4. collects what an EC2 compromise needs, volatile state first", () => {
      for (const path of [
        "/var/log/auth.log",
        "/var/log/secure",
        "journalctl",
        "history",
        "/etc/crontab",
        "/etc/systemd",
        ".ssh",
        "/etc/passwd",
        "/etc/group",
        "ss -lntupw",
        "ps -eo",
      ]) {
        expect(script, path).to.include(path);
      }
      expect(script.indexOf("volatile.txt.gz")).to.be.lessThan(script.indexOf("auth-logs.tar.gz"));
    });

    it("5. parses under bash -n", async () => {
      const dir = tempDir(join(tmpdir(), "ir-collect-n-"));
      writeFileSync(join(dir, "c.sh"), script);
      await run("bash", ["-n", join(dir, "c.sh")]);
    });

    it("6. the SSM document takes the URLs as parameters, constrained so no value leaves its quotes", () => {
      const doc = collectLogsDocument() as {
        schemaVersion: string;
        parameters: Record<string, { allowedPattern: string }>;
        mainSteps: { inputs: { runCommand: string[] } }[];
      };
      expect(doc.schemaVersion).to.equal("2.2");
      const body = doc.mainSteps[0]!.inputs.runCommand.join("\n");
      for (const a of COLLECTION_ARTEFACTS) {
        const pattern = new RegExp(doc.parameters[a.parameter]!.allowedPattern);
        expect(body).to.include(`'{{ ${a.parameter} }}'`);
        expect(pattern.test(urls[a.name]!)).to.equal(true);
        for (const hostile of [
          "https://x/'; reboot; '",
          "https://x/$(reboot)",
          "https://x/`id`",
          "https://x/a b",
          "file:///etc/shadow",
          "https://x/\nreboot",
        ]) {
          expect(pattern.test(hostile), hostile).to.equal(false);
        }
      }
      expect(new RegExp(doc.parameters.since!.allowedPattern).test("2026-11-28T02:00:00Z")).to.equal(true);
      expect(new RegExp(doc.parameters.since!.allowedPattern).test("2026-11-28'; reboot")).to.equal(false);
      expect(body).to.not.match(/https?:\/\//);
    });

    it("7. shell quoting round-trips hostile strings through bash unchanged", async () => {
      for (const s of ["a'b", "'; rm -rf / #", "$(touch /tmp/x)", "`id`", "a\nb", "\\", '"$HOME"']) {
        const { stdout } = await run("bash", ["-c", `printf %s ${shellQuote(s)}`]);
        expect(stdout).to.equal(s);
      }
    });
  });

  describe("bad input", () => {
    let urls: Record<string, string>;
    before(async () => {
      urls = await presignedUrls("https://s3.eu-central-1.amazonaws.com");
    });
    const withUrl = (name: string, url: string) => ({ ...urls, [name]: url });

    it("1. a missing or unknown artefact URL", () => {
      const { ["ssh.tar.gz"]: _, ...missing } = urls;
      expect(() => collectLogsScript({ urls: missing, since: SINCE })).to.throw(
        ScriptInputError,
        /no presigned URL for artefact "ssh\.tar\.gz"/,
      );
      expect(() =>
        collectLogsScript({ urls: { ...urls, "memory.lime": urls["ssh.tar.gz"]! }, since: SINCE }),
      ).to.throw(/no artefact is named "memory\.lime"/);
    });

    it("2. URLs that are not presigned S3 PUT URLs", () => {
      const cases: [string, RegExp][] = [
        ["http://s3.amazonaws.com/b/k?X-Amz-Signature=1", /must be https/],
        ["https://s3.amazonaws.com/b/k", /is not presigned/],
        ["https://user:pass@s3.amazonaws.com/b/k?X-Amz-Signature=1", /carries user info/],
        ["https://s3.amazonaws.com/b/k'$(reboot)'?X-Amz-Signature=1", /holds characters outside/],
        ["not a url", /is not a URL/],
      ];
      for (const [url, error] of cases)
        expect(() => collectLogsScript({ urls: withUrl("ssh.tar.gz", url), since: SINCE }), url).to.throw(
          error,
        );
    });

    it("3. a start time that is not a date, an upload timeout out of range", () => {
      expect(() => collectLogsScript({ urls, since: new Date("nope") })).to.throw(
        /collection start .* is not a date/,
      );
      expect(() => collectLogsScript({ urls, since: SINCE, uploadTimeoutSeconds: 0 })).to.throw(
        /upload timeout 0 is not a whole number/,
      );
    });
  });

  describe("run under bash against a loopback stand-in for S3", () => {
    let server: Server;
    let endpoint: string;
    const received: { method: string; url: string; sha256: string; md5?: string; body: Buffer }[] = [];

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks);
          received.push({
            method: req.method!,
            url: req.url!,
            sha256: createHash("sha256").update(body).digest("hex"),
            ...(req.headers["content-md5"] ? { md5: String(req.headers["content-md5"]) } : {}),
            body,
          });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const address = server.address();
      endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    });
    after(() => server.close());

    it("1. uploads every artefact to its URL only, and reports hashes that match what arrived", async () => {
      const urls = await presignedUrls(endpoint);
      // A hostile file name in a scanned directory: it must be listed as data, never run.
      const bait = mkdtempSync(join("/tmp", "ir-collect-bait-"));
      const evil = "evil'$(touch PWNED)`touch PWNED2`\nfake-line";
      writeFileSync(join(bait, evil), "#!/bin/sh\n");
      const cwd = tempDir(join(tmpdir(), "ir-collect-cwd-"));
      mkdirSync(join(cwd, "x"));
      const script = collectLogsScript({
        urls,
        since: new Date(Date.now() - 120_000),
        uploadTimeoutSeconds: 30,
      });
      writeFileSync(join(cwd, "collect.sh"), script);
      try {
        const { stdout } = await run("bash", [join(cwd, "collect.sh")], {
          cwd,
          timeout: 100_000,
          maxBuffer: 1 << 20,
        });
        const reported = parseCollectionOutput(stdout);
        expect(reported.map((r) => r.name)).to.deep.equal(COLLECTION_ARTEFACTS.map((a) => a.name));
        expect(reported.every((r) => r.status === "uploaded")).to.equal(true);
        expect(received).to.have.length(COLLECTION_ARTEFACTS.length);
        for (const r of reported) {
          const got = received.find((x) => x.url.includes(`/cases/case-1/logs/${r.name}?`))!;
          expect(got, r.name).to.not.equal(undefined);
          expect(got.method).to.equal("PUT");
          expect(got.url).to.include("X-Amz-Signature=");
          expect(got.sha256, r.name).to.equal(r.sha256);
          expect(got.body.length).to.equal(r.size);
          // S3 needs Content-MD5 on a PUT into a bucket with default Object Lock retention.
          expect(got.md5, r.name).to.equal(createHash("md5").update(got.body).digest("base64"));
        }
        const recent = gunzipSync(received.find((x) => x.url.includes("recent-binaries"))!.body).toString(
          "utf8",
        );
        expect(recent).to.include("evil");
        expect(readdirSync(cwd).sort()).to.deep.equal(["collect.sh", "x"]);
        expect(readdirSync(bait)).to.deep.equal([evil]);
        const volatile = gunzipSync(received.find((x) => x.url.includes("volatile"))!.body).toString("utf8");
        expect(volatile).to.include("===== listening sockets =====");
      } finally {
        rmSync(bait, { recursive: true, force: true });
      }
    });

    it("2. an upload that fails is reported as failed with its hash, and the rest still go", async () => {
      received.length = 0;
      const urls = await presignedUrls(endpoint);
      urls["accounts.tar.gz"] =
        "http://127.0.0.1:1/evidence/cases/case-1/logs/accounts.tar.gz?X-Amz-Signature=00";
      const dir = tempDir(join(tmpdir(), "ir-collect-fail-"));
      writeFileSync(
        join(dir, "c.sh"),
        collectLogsScript({ urls, since: new Date(Date.now() - 60_000), uploadTimeoutSeconds: 5 }),
      );
      const { stdout } = await run("bash", [join(dir, "c.sh")], { cwd: dir, timeout: 100_000 });
      const reported = parseCollectionOutput(stdout);
      expect(reported.find((r) => r.name === "accounts.tar.gz")!.status).to.equal("failed");
      expect(reported.filter((r) => r.status === "uploaded")).to.have.length(COLLECTION_ARTEFACTS.length - 1);
    });
  });
});
