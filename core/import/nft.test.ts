/**
 * A ruleset someone wrote by hand (test/fixtures/import/web-01.nft: accept and
 * drop rules, named sets, defines, ct state, NAT, a rate limit, interface and
 * mark matches) imports with exactly the report lines expected, and what it
 * did import decides as the file meant.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../analyze";
import { normalizePolicy } from "../policy";
import { formatOmission } from "./report";
import { importNft } from "./nft";

const FILE = join(__dirname, "..", "..", "test", "fixtures", "import", "web-01.nft");

describe("a hand-written nftables file", () => {
  const { document, omissions } = importNft(readFileSync(FILE, "utf8"), { name: "web-01" });

  it("reports exactly the rules it cannot express, by line", () => {
    expect(omissions.map((o) => formatOmission("web-01.nft", o))).toEqual([
      "web-01.nft:34: not imported: a rate limit cannot be expressed: icmp type echo-request limit rate 5/second accept",
      'web-01.nft:35: not imported: an interface match cannot be expressed: iifname "wg0" accept',
      "web-01.nft:46: not imported: a packet mark cannot be expressed: meta mark 0x1 drop",
      "web-01.nft:53: not imported: NAT cannot be expressed: tcp dport 8080 dnat to 10.0.0.5:80",
      'web-01.nft:58: not imported: NAT cannot be expressed: oifname "eth0" masquerade',
    ]);
  });

  it("keeps the sets as prefix lists with their names", () => {
    expect(document.prefix_lists!.map((l) => [l.name, l.prefixes.map((p) => p.cidr)])).toEqual([
      ["blocklist", ["198.18.0.0/15", "203.0.113.0/24"]],
      ["office_v6", ["2001:db8:100::/48"]],
    ]);
    expect(document.security_groups.map((g) => g.name)).toEqual(["web-01 inbound", "web-01 outbound"]);
  });

  it("decides as the file does for what it imported", () => {
    const policy = normalizePolicy(document);
    const verdict = (p: object) => evaluate(policy, { hook: "input", srcPort: 40000, ...p } as never).verdict;
    const ip = (text: string) => text.split(".").reduce((a, b) => a * 256 + Number(b), 0);
    expect(verdict({ protocol: 6, src: ip("192.0.2.7"), dst: ip("192.0.2.2"), dstPort: 22 })).toBe("accept");
    expect(verdict({ protocol: 6, src: ip("198.51.100.7"), dst: ip("192.0.2.2"), dstPort: 22 })).toBe("drop");
    expect(verdict({ protocol: 6, src: ip("203.0.113.9"), dst: ip("192.0.2.2"), dstPort: 443 })).toBe("drop"); // the blocklist
    expect(verdict({ protocol: 6, src: ip("198.51.100.7"), dst: ip("192.0.2.2"), dstPort: 443 })).toBe("accept");
    expect(verdict({ protocol: 17, src: ip("198.51.100.11"), dst: ip("192.0.2.2"), dstPort: 161 })).toBe("accept");
    expect(verdict({ protocol: 17, src: ip("198.51.100.12"), dst: ip("192.0.2.2"), dstPort: 161 })).toBe("drop");
    // Output: policy accept, so everything leaves.
    expect(
      evaluate(policy, { hook: "output", protocol: 17, src: ip("192.0.2.2"), dst: ip("8.8.8.8"), srcPort: 5353, dstPort: 53 }).verdict,
    ).toBe("accept");
  });

  it("reads the same file from nft -j output the same way (handles instead of lines)", () => {
    // A kernel listing is tested in test/integration/import-netns.test.ts; here the JSON reader on a small listing.
    const json = {
      nftables: [
        { table: { family: "inet", name: "filter" } },
        { chain: { family: "inet", table: "filter", name: "input", type: "filter", hook: "input", prio: 0, policy: "drop" } },
        {
          rule: {
            family: "inet",
            table: "filter",
            chain: "input",
            handle: 4,
            expr: [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } }, { accept: null }],
          },
        },
        {
          rule: {
            family: "inet",
            table: "filter",
            chain: "input",
            handle: 5,
            expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: "wg0" } }, { accept: null }],
          },
        },
      ],
    };
    const result = importNft(JSON.stringify(json));
    expect(result.omissions.map((o) => formatOmission("ruleset.json", o))).toEqual([
      'ruleset.json: rule handle 5 not imported: an interface match cannot be expressed: [{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"wg0"}},{"accept":null}]',
    ]);
    expect(result.document.security_groups[0].rules.map((r) => [r.protocol, r.port, r.address])).toEqual([
      [6, "22", "0.0.0.0/0"],
      [6, "22", "::/0"],
    ]);
  });
});
