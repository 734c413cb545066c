import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffLoaded, ruleText } from "../../analyze/compare-loaded";
import { formatIPv6 } from "../../model";
import { compilePolicy } from "..";
import { parseNftJson } from "./read";
import { parseNftText } from "./read-file";
import { controlPlaneElements } from "./render";

const TABLE = { family: "inet", name: "secgroups" };
const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
// policy.nft.json is real `nft -j list table inet secgroups` output (nft 1.0.6) after loading this text.
const loadedText =
  compilePolicy(JSON.parse(testdata("policy.json")), "nftables") + controlPlaneElements([{ address: "10.77.0.1", port: 8787 }]);
const readBack = testdata("policy.nft.json");
// policy6.nft.json: the same for policy6.json (dual-stack, router mode) with IPv4 and IPv6 control-plane endpoints.
const CP6 = [
  { address: "10.77.0.1", port: 8787 },
  { address: "fd00:77::1", port: 8787 },
  { address: "2001:db8::1", port: 443 },
];
const loadedText6 = compilePolicy(JSON.parse(testdata("policy6.json")), "nftables", { mode: "router" }) + controlPlaneElements(CP6);
const readBack6 = testdata("policy6.nft.json");

describe("nft text and nft -j read into one model", () => {
  it("finds what nft lists equal to what was loaded, despite different printing", () => {
    const want = parseNftText(loadedText, TABLE);
    const got = parseNftJson(readBack, TABLE);
    expect(diffLoaded(want, got)).toEqual([]);
    // The adjacent /25s merge into one range; /32 prints without its prefix.
    const list = [...want.sets.entries()].find(([name]) => name.startsWith("prfx_lst_"))![1];
    expect(list.ranges).toHaveLength(2);
    expect([...want.sets.get("control_plane")!.pairs!]).toEqual([`${0x0a4d0001}:8787`]);
    // Names for numbers, merged ports, the log prefix at its place.
    const rules = want.chains.get("output")!.rules.map(ruleText);
    expect(rules).toContain(
      'ip protocol 6 ; tcp dport 443 ; log prefix "secgroups sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:60 " ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:60"',
    );
    expect(got.chains.get("output")!.rules.map(ruleText)).toEqual(rules);
    expect(want.chains.get("input")).toMatchObject({ hook: "input", priority: 0, policy: "drop" });
  });

  it("reports a missing table, a flushed chain, a removed set element and a hand-added rule", () => {
    const want = parseNftText(loadedText, TABLE);
    expect(diffLoaded(want, undefined)).toEqual(["the table is missing"]);

    const json = JSON.parse(readBack);
    const flushed = { nftables: json.nftables.filter((o: { rule?: { chain: string } }) => o.rule?.chain !== "input") };
    expect(diffLoaded(want, parseNftJson(JSON.stringify(flushed), TABLE))).toEqual([
      expect.stringMatching(/^chain input rule 1: \(missing\)/),
    ]);

    const shrunk = structuredClone(json);
    const list = shrunk.nftables.find((o: { set?: { name: string } }) => o.set?.name.startsWith("prfx_lst_"));
    list.set.elem = list.set.elem.slice(1);
    expect(diffLoaded(want, parseNftJson(JSON.stringify(shrunk), TABLE))).toEqual([
      expect.stringMatching(/^set prfx_lst_\w+ holds 1 elements, expected 2/),
    ]);

    const added = structuredClone(json);
    added.nftables.push({ rule: { family: "inet", table: "secgroups", chain: "output", handle: 99, expr: [{ accept: null }] } });
    expect(diffLoaded(want, parseNftJson(JSON.stringify(added), TABLE))).toEqual([
      expect.stringMatching(/^chain output rule 9: accept; expected \(none\)/),
    ]);

    const policy = structuredClone(json);
    policy.nftables.find((o: { chain?: { name: string } }) => o.chain?.name === "input").chain.policy = "accept";
    expect(diffLoaded(want, parseNftJson(JSON.stringify(policy), TABLE))).toEqual([
      "chain input: hook/priority/policy input/0/accept, expected input/0/drop",
    ]);
  });

  it("tells apart what matches differently: l4proto from ip protocol, oif from iif, a negation, a moved log", () => {
    const rule = (expr: unknown[]) =>
      ruleText(
        parseNftJson(
          JSON.stringify({
            nftables: [
              { chain: { family: "inet", table: "secgroups", name: "c" } },
              { rule: { family: "inet", table: "secgroups", chain: "c", expr } },
            ],
          }),
          TABLE,
        ).chains.get("c")!.rules[0],
      );
    const proto = (key: object) => ({ match: { op: "==", left: key, right: "tcp" } });
    expect(rule([proto({ payload: { protocol: "ip", field: "protocol" } }), { accept: null }])).not.toBe(
      rule([proto({ meta: { key: "l4proto" } }), { accept: null }]),
    );
    const lo = (key: string, op = "==") => ({ match: { op, left: { meta: { key } }, right: "lo" } });
    expect(rule([lo("iif"), { accept: null }])).not.toBe(rule([lo("oif"), { accept: null }]));
    expect(rule([lo("iif"), { accept: null }])).not.toBe(rule([lo("iif", "!="), { accept: null }]));
    expect(rule([{ log: null }, lo("iif"), { accept: null }])).not.toBe(rule([lo("iif"), { log: null }, { accept: null }]));
    // Counters change nothing.
    expect(rule([lo("iif"), { counter: { packets: 1, bytes: 2 } }, { accept: null }])).toBe(rule([lo("iif"), { accept: null }]));
  });

  it("treats interval elements written as ranges and prefixes alike", () => {
    const text = [
      "table inet secgroups {",
      "\tset s {",
      "\t\ttype ipv4_addr",
      "\t\tflags interval",
      "\t\telements = { 10.0.0.0/25, 10.0.0.128/25, 192.0.2.7/32 }",
      "\t}",
      "}",
    ].join("\n");
    const json = {
      nftables: [
        { table: { family: "inet", name: "secgroups" } },
        {
          set: {
            family: "inet",
            table: "secgroups",
            name: "s",
            type: "ipv4_addr",
            elem: [{ range: ["10.0.0.0", "10.0.0.255"] }, "192.0.2.7"],
          },
        },
      ],
    };
    expect(diffLoaded(parseNftText(text, TABLE), parseNftJson(JSON.stringify(json), TABLE))).toEqual([]);
    json.nftables[1].set!.elem = [{ range: ["10.0.0.0", "10.0.0.254"] }, "192.0.2.7"];
    expect(diffLoaded(parseNftText(text, TABLE), parseNftJson(JSON.stringify(json), TABLE))).toEqual([
      "set s holds 2 elements, expected 2 (contents differ)",
    ]);
  });

  it("reads elements added in a later block or by add element into the declared set", () => {
    const base =
      "table inet secgroups {}\ndelete table inet secgroups\ntable inet secgroups {\n\tset cp {\n\t\ttype ipv4_addr . inet_service\n\t}\n}\n";
    const viaAdd = parseNftText(base + "add element inet secgroups cp { 10.0.0.1 . 80, 10.0.0.2 . 443 }\n", TABLE);
    const viaBlock = parseNftText(
      base +
        "table inet secgroups {\n\tset cp {\n\t\ttype ipv4_addr . inet_service\n\t\telements = { 10.0.0.2 . 443, 10.0.0.1 . 80 }\n\t}\n}\n",
      TABLE,
    );
    expect(diffLoaded(viaAdd, viaBlock)).toEqual([]);
    expect(viaAdd.sets.get("cp")!.pairs!.size).toBe(2);
    expect(() => parseNftText(base + "add element inet secgroups nope { 10.0.0.1 . 80 }\n", TABLE)).toThrow(/unknown set nope/);
  });

  it("refuses what it cannot read rather than guessing", () => {
    expect(() => parseNftText("table inet secgroups {\n\tchain input {\n\t\tfib daddr type local accept\n\t}\n}", TABLE)).toThrow(
      /unsupported rule syntax "fib"/,
    );
    const json = JSON.parse(readBack);
    json.nftables.push({
      rule: {
        family: "inet",
        table: "secgroups",
        chain: "input",
        expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: "eth0" } }, { accept: null }],
      },
    });
    expect(() => parseNftJson(JSON.stringify(json), TABLE)).toThrow(/unsupported nft match/);
  });

  describe("IPv6", () => {
    const want = parseNftText(loadedText6, TABLE);
    const json = JSON.parse(readBack6);

    it("finds what nft lists equal to what was loaded: ip6 matches, ipv6_addr sets, icmpv6 names and code ranges", () => {
      expect(diffLoaded(want, parseNftJson(readBack6, TABLE))).toEqual([]);
      // The two adjacent /48s of the office list merge; the IPv4 member stays in the IPv4 set.
      const office = "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw";
      expect(want.sets.get(`${office}_6`)!.ranges6!.map((r) => [formatIPv6(r.first), formatIPv6(r.last)])).toEqual([
        ["2001:db8:10::", "2001:db8:11:ffff:ffff:ffff:ffff:ffff"],
        ["fd00:10::2", "fd00:10::2"],
      ]);
      expect(want.sets.get(office)!.ranges).toHaveLength(1);
      expect([...want.sets.get("control_plane_6")!.pairs!].sort()).toEqual(["[2001:db8::1]:443", "[fd00:77::1]:8787"]);
      expect([...want.sets.get("control_plane")!.pairs!]).toEqual([`${0x0a4d0001}:8787`]);
      const input = want.chains.get("input")!.rules.map(ruleText);
      expect(input.slice(0, 2)).toEqual(["meta iif lo ; accept", "meta l4proto 58 ; jump essential_icmpv6"]);
      expect(input).toContain(
        'ip6 saddr fd00:10::1 ; icmpv6 type 128 ; icmpv6 code 0 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:40"',
      );
      expect(input).toContain('meta nfproto ipv6 ; tcp dport 22 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:10"');
      expect(want.chains.get("output")!.rules.map(ruleText)).toContain("ip6 daddr . tcp dport @control_plane_6 ; accept");
      // The essential ICMPv6 chain: a regular chain, "code 0-1" read as a range from nft's names ("no-route" - "admin-prohibited").
      expect(want.chains.get("essential_icmpv6")!.hook).toBeUndefined();
      expect(want.chains.get("essential_icmpv6")!.rules.map(ruleText)).toContain("icmpv6 type 3 ; icmpv6 code 0-1 ; accept");
    });

    it("notices a changed IPv6 set element, a missing IPv6 control-plane pair and a dropped essential ICMPv6 rule", () => {
      const shrunk = structuredClone(json);
      const list = shrunk.nftables.find((o: { set?: { name: string } }) => o.set?.name === "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw_6");
      list.set.elem = [{ prefix: { addr: "2001:db8:10::", len: 48 } }, ...list.set.elem.slice(1)];
      expect(diffLoaded(want, parseNftJson(JSON.stringify(shrunk), TABLE))).toEqual([
        "set prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw_6 holds 2 elements, expected 2 (contents differ)",
      ]);

      const noPair = structuredClone(json);
      const cp = noPair.nftables.find((o: { set?: { name: string } }) => o.set?.name === "control_plane_6");
      cp.set.elem = cp.set.elem.slice(1);
      expect(diffLoaded(want, parseNftJson(JSON.stringify(noPair), TABLE))).toEqual([
        "set control_plane_6 holds 1 elements, expected 2 (contents differ)",
      ]);

      const noNd = structuredClone(json);
      const nd = noNd.nftables.findIndex(
        (o: { rule?: { chain: string; expr: { match?: { right: unknown } }[] } }) =>
          o.rule?.chain === "essential_icmpv6" && o.rule.expr[0].match?.right === "nd-neighbor-solicit",
      );
      noNd.nftables.splice(nd, 1);
      expect(diffLoaded(want, parseNftJson(JSON.stringify(noNd), TABLE))).toEqual([
        expect.stringMatching(/^chain essential_icmpv6 rule 10: icmpv6 type 136 ; accept; expected icmpv6 type 135 ; accept$/),
      ]);
    });

    it("tells the families apart: ip from ip6 addresses, icmp from icmpv6, nfproto ipv4 from ipv6", () => {
      const read = (line: string) =>
        ruleText(parseNftText(`table inet secgroups {\n\tchain c {\n\t\t${line}\n\t}\n}\n`, TABLE).chains.get("c")!.rules[0]);
      expect(read("ip6 saddr ::/0 accept")).not.toBe(read("ip saddr 0.0.0.0/0 accept"));
      expect(read("icmpv6 type 1 accept")).not.toBe(read("icmp type 1 accept"));
      expect(read("meta nfproto ipv6 accept")).not.toBe(read("meta nfproto ipv4 accept"));
      expect(read("ip6 daddr . tcp dport @s accept")).not.toBe(read("ip daddr . tcp dport @s accept"));
      expect(read("icmpv6 type 1 icmpv6 code port-unreachable accept")).toBe(read("icmpv6 type 1 icmpv6 code 4 accept"));
      expect(read("icmpv6 type nd-neighbor-solicit accept")).toBe(read("icmpv6 type 135 accept"));
    });

    it("refuses IPv6 text it cannot read, and a set element of the other family", () => {
      const set = (type: string, elements: string) =>
        parseNftText(`table inet secgroups {\n\tset s {\n\t\ttype ${type}\n\t\telements = { ${elements} }\n\t}\n}\n`, TABLE);
      expect(() => set("ipv6_addr", "10.0.0.1")).toThrow(/not an IPv6 address/);
      expect(() => set("ipv4_addr", "fd00::1")).toThrow(/not an IPv4 address/);
      expect(() => set("ipv6_addr", "fd00::1/64")).toThrow(/not an IPv6 network/);
      expect(() => set("ipv6_addr . inet_service", "fd00::/64 . 22")).toThrow(/not an "address . port" element/);
      expect(() => set("ether_addr", "00:11:22:33:44:55")).toThrow(/unsupported set type/);
      const rule = (expr: unknown[]) =>
        parseNftJson(
          JSON.stringify({
            nftables: [
              { chain: { family: "inet", table: "secgroups", name: "c" } },
              { rule: { family: "inet", table: "secgroups", chain: "c", expr } },
            ],
          }),
          TABLE,
        );
      expect(() =>
        rule([{ match: { op: "==", left: { payload: { protocol: "icmpv6", field: "type" } }, right: "no-such-type" } }]),
      ).toThrow(/unknown ICMPv6 type/);
      expect(() => rule([{ match: { op: "==", left: { payload: { protocol: "ip6", field: "flowlabel" } }, right: 1 } }])).toThrow(
        /unsupported nft match/,
      );
    });
  });
});
