import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { formatV4, isPrivate, maskTo, parseAddress, parseCidr } from "../../automation/analyze/ip";
import {
  buildIpRanges,
  IpRangesError,
  loadIpRanges,
  parseIpRanges,
} from "../../automation/analyze/ip-ranges";

const FIXTURE = join(__dirname, "../fixtures/analyze/ip-ranges.json");

describe("analyze: IP addresses", () => {
  it("1. parses IPv4, IPv6 (compressed, embedded IPv4) and prints IPv6 in RFC 5952 form", () => {
    expect(parseAddress("203.0.113.66")).to.deep.include({ family: 4, text: "203.0.113.66" });
    expect(parseAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")!.text).to.equal("2001:db8::1");
    expect(parseAddress("2001:db8:0:1:0:0:0:1")!.text).to.equal("2001:db8:0:1::1");
    expect(parseAddress("::")!.text).to.equal("::");
    expect(parseAddress("64:ff9b::192.0.2.33")!.text).to.equal("64:ff9b::c000:221");
  });

  it("2. treats an IPv4-mapped IPv6 address as the IPv4 address it carries", () => {
    expect(parseAddress("::ffff:203.0.113.66")).to.deep.include({ family: 4, text: "203.0.113.66" });
  });

  it("3. refuses what is not an address: service names, AWS Internal, zone ids, garbage", () => {
    for (const bad of ["ec2.amazonaws.com", "AWS Internal", "fe80::1%eth0", "1.2.3", "300.1.1.1", ""]) {
      expect(parseAddress(bad), bad).to.equal(undefined);
    }
  });

  it("4. parses CIDRs, clears host bits and refuses bad lengths", () => {
    const c = parseCidr("10.1.2.3/8")!;
    expect(formatV4(c.network)).to.equal("10.0.0.0");
    expect(parseCidr("10.0.0.0/33")).to.equal(undefined);
    expect(parseCidr("2600:1f18::/129")).to.equal(undefined);
    expect(parseCidr("10.0.0.0")).to.equal(undefined);
    expect(parseCidr("10.0.0.0/ 8")).to.equal(undefined);
    expect(maskTo(parseAddress("2600:1f18::1")!.value, 6, 33)).to.equal(parseCidr("2600:1f18::/33")!.network);
  });

  it("5. knows private, loopback, link-local, CGNAT and ULA addresses", () => {
    for (const a of [
      "10.0.1.25",
      "172.31.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "fd00::1",
      "fe80::1",
    ]) {
      expect(isPrivate(parseAddress(a)!), a).to.equal(true);
    }
    for (const a of ["203.0.113.66", "3.64.1.1", "2a05:d014::1"])
      expect(isPrivate(parseAddress(a)!), a).to.equal(false);
  });
});

describe("analyze: AWS ip-ranges.json", () => {
  const ranges = loadIpRanges(FIXTURE);

  it("1. GIVEN the file WHEN an EC2 address is matched THEN the specific service comes first, AMAZON after", () => {
    const m = ranges.match("3.64.10.20")!;
    expect(m.service).to.equal("EC2");
    expect(m.region).to.equal("eu-central-1");
    expect(m.ranges.map((r) => `${r.prefix} ${r.service}`)).to.deep.equal([
      "3.64.0.0/12 EC2",
      "3.64.0.0/12 AMAZON",
      "3.0.0.0/9 AMAZON",
    ]);
    expect(ranges.syncToken).to.equal("1764291000");
    expect(ranges.prefixCount).to.equal(11);
  });

  it("2. matches IPv6, most specific first, and IPv4-mapped addresses as IPv4", () => {
    const m = ranges.match("2a05:d014:abc::5")!;
    expect(m.ranges.map((r) => r.prefix)).to.deep.equal(["2a05:d014::/36", "2a05:d000::/25"]);
    expect(ranges.match("::ffff:18.208.1.1")!.service).to.equal("EC2");
  });

  it("3. answers undefined for non-AWS addresses and non-addresses", () => {
    expect(ranges.match("203.0.113.66")).to.equal(undefined);
    expect(ranges.match("2001:db8::1")).to.equal(undefined);
    expect(ranges.match("AWS Internal")).to.equal(undefined);
  });

  it("4. agrees with a linear scan over thousands of random prefixes and addresses", () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const prefixes: { ip_prefix: string; region: string; service: string }[] = [];
    for (let i = 0; i < 5000; i++) {
      const len = 8 + (rnd() % 25);
      const a = [rnd() % 256, rnd() % 256, rnd() % 256, rnd() % 256].join(".");
      prefixes.push({ ip_prefix: `${a}/${len}`, region: `r${i % 7}`, service: i % 3 ? "EC2" : "AMAZON" });
    }
    const index = buildIpRanges({ prefixes, ipv6_prefixes: [] });
    const cidrs = prefixes.map((p) => parseCidr(p.ip_prefix)!);
    for (let i = 0; i < 2000; i++) {
      const addr = [rnd() % 256, rnd() % 256, rnd() % 256, rnd() % 256].join(".");
      const v = parseAddress(addr)!.value;
      const linear = cidrs.filter((c) => maskTo(v, 4, c.length) === c.network).length;
      expect(index.match(addr)?.ranges.length ?? 0, addr).to.equal(linear);
    }
  });

  describe("bad input", () => {
    it("1. malformed JSON names the problem and where to download the file", () => {
      expect(() => parseIpRanges("{ not json")).to.throw(
        IpRangesError,
        /is not valid JSON.*https:\/\/ip-ranges\.amazonaws\.com\/ip-ranges\.json/,
      );
    });
    it("2. a document without prefixes is not AWS's file", () => {
      expect(() => parseIpRanges('{"syncToken":"1"}')).to.throw(
        /no "prefixes" list: it is not AWS's ip-ranges\.json; download/,
      );
      expect(() => parseIpRanges("[]")).to.throw(/holds a list, not an object/);
      expect(() => parseIpRanges('{"prefixes":[]}')).to.throw(/lists no prefixes/);
    });
    it("3. a bad CIDR names the entry and the value", () => {
      const doc = {
        prefixes: [
          { ip_prefix: "3.0.0.0/8", service: "AMAZON", region: "GLOBAL" },
          { ip_prefix: "3.0.0.0/40", service: "EC2", region: "x" },
        ],
      };
      expect(() => buildIpRanges(doc)).to.throw(
        /prefixes\[1\]\.ip_prefix is "3\.0\.0\.0\/40", not an IPv4 CIDR/,
      );
      expect(() => buildIpRanges({ prefixes: [], ipv6_prefixes: [{ ipv6_prefix: "10.0.0.0/8" }] })).to.throw(
        /ipv6_prefixes\[0\].*not an IPv6 CIDR/,
      );
    });
    it("4. a missing file names the path and the fix", () => {
      expect(() => loadIpRanges("/nonexistent/ip-ranges.json")).to.throw(
        /cannot read ip ranges file "\/nonexistent\/ip-ranges\.json" \(ENOENT\): download/,
      );
      const dir = mkdtempSync(join(tmpdir(), "ipr-"));
      try {
        writeFileSync(join(dir, "x.json"), "<html>captive portal</html>");
        expect(() => loadIpRanges(join(dir, "x.json"))).to.throw(
          /ip ranges file ".*x\.json" is not valid JSON/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
