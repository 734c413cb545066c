import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffLoaded, ruleText } from "../../analyze/compare-loaded";
import { compilePolicy } from "..";
import { pairKey } from "../../analyze/loaded";
import { parseIPv6 } from "../../model";
import { expectedIptables, parseIpsetSave, parseIptablesSave, readIptables } from "./read";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
const config = compilePolicy(JSON.parse(testdata("policy.json")), "iptables");
const CP = [{ address: "10.77.0.1", port: 8787 }];

const rule = (line: string) => ruleText(parseIptablesSave(`*filter\n:c - [0:0]\n-A c ${line}\nCOMMIT\n`).chains.get("c")!.rules[0]);

describe("the iptables reader", () => {
  it("reads what iptables-save and ipset save list as what the configuration leaves behind", () => {
    // Real listings (iptables 1.8.9 nf_tables) after applying `config`: matches reordered, names, quotes dropped, /32 dropped.
    const listed = readIptables({
      iptablesSave: testdata("policy.iptables-save.txt"),
      ip6tablesSave: testdata("policy.ip6tables-save.txt"),
      ipsetSave: testdata("policy.ipset-save.txt"),
    });
    const expected = expectedIptables(config, CP);
    expect(diffLoaded(expected, listed)).toEqual([]);
    // Each family's built-in chain lets the other family's packets by, then jumps to our chain of its table.
    expect(expected.chains.get("INPUT")).toEqual({
      rules: [
        { matches: [{ kind: "ipv6" }], action: { kind: "accept" } },
        { matches: [], action: { kind: "jump", target: "secgroups-input" } },
      ],
      hook: "input",
      policy: "accept",
    });
    expect(expected.chains.get("ip6 INPUT")!.rules.map(ruleText)).toEqual(["meta nfproto ipv4 ; accept", "jump ip6 secgroups-input"]);
    // The temporary sets were swapped in and destroyed; the IPv6 sets exist although this policy has no IPv6 member.
    expect([...expected.sets.keys()].sort()).toEqual([
      "s6-0ujsswThIGTUYm2K8FjOOfxcYpw",
      "secgroups-cp",
      "secgroups-cp6",
      "sg-0ujsswThIGTUYm2K8FjOOfxcYpw",
    ]);
    expect(expected.sets.get("s6-0ujsswThIGTUYm2K8FjOOfxcYpw")).toEqual({ ranges6: [] });
    expect(expected.chains.get("secgroups-output")!.rules.map(ruleText)).toContain(
      'ip protocol 6 ; tcp dport 443 ; log prefix "sg wThIGTUYm2K8FjOOfxcYpw:60 " ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:60"',
    );
  });

  it("equates a rule as written with iptables-save's printing of it", () => {
    expect(rule("-s 10.0.0.0/8 -p udp -m multiport --dports 53,1000:2000 -m comment --comment sec_grp_x:30 -j ACCEPT")).toBe(
      rule('-p udp -s 10.0.0.0/8 -m multiport --dports 53,1000:2000 -m comment --comment "sec_grp_x:30" -j ACCEPT'),
    );
    expect(rule("-p gre -d 10.0.0.0/8 -j DROP")).toBe(rule("-d 10.0.0.0/8 -p 47 -j DROP"));
    expect(rule("-s 10.1.2.3 -j DROP")).toBe(rule("-s 10.1.2.3/32 -j DROP"));
  });

  it("tells apart rules that differ in a match, a negation, the target or the log prefix", () => {
    const base = rule("-p tcp -m tcp --dport 8080 -j ACCEPT");
    expect(rule("-p tcp -m tcp --dport 8081 -j ACCEPT")).not.toBe(base);
    expect(rule("-p tcp -m tcp --dport 8080 -j DROP")).not.toBe(base);
    expect(rule("-p tcp -m tcp ! --dport 8080 -j ACCEPT")).not.toBe(base);
    expect(rule('-p tcp -m tcp --dport 443 -j LOG --log-prefix "sg a "')).not.toBe(
      rule('-p tcp -m tcp --dport 443 -j LOG --log-prefix "sg b "'),
    );
  });

  it("plays an ipset restore text through: flush, swap and destroy", () => {
    const sets = parseIpsetSave(
      [
        "create a hash:net family inet -exist",
        "add a 10.0.0.0/8",
        "create t hash:net family inet -exist",
        "flush t",
        "add t 192.0.2.0/25",
        "add t 192.0.2.128/25",
        "swap t a",
        "destroy t",
      ].join("\n"),
    );
    expect([...sets.keys()]).toEqual(["a"]);
    expect(sets.get("a")).toEqual({ ranges: [{ first: 0xc0000200, last: 0xc00002ff }] });
  });

  it("refuses what it cannot read rather than guessing", () => {
    expect(() => rule("-m addrtype --dst-type LOCAL -j ACCEPT")).toThrow(/unsupported iptables option --dst-type/);
    expect(() => parseIpsetSave("add nope 10.0.0.0/8")).toThrow(/unknown set/);
    expect(() => parseIpsetSave("create m hash:mac\nadd m 02:42:ac:11:00:02")).toThrow(/not an IPv4 address/);
    expect(parseIpsetSave("create m hash:mac\nadd m 02:42:ac:11:00:02", { sets: (name) => name !== "m" }).size).toBe(0);
  });

  it("reads the ip6tables half with family 6 matches: IPv6 CIDRs, ICMPv6, IPv6 sets and the IPv6 control-plane pair", () => {
    const config6 = compilePolicy(JSON.parse(testdata("policy6.json")), "iptables");
    const cp6 = [
      { address: "10.77.0.1", port: 8787 },
      { address: "fd00:77::1", port: 8787 },
    ];
    const listed = readIptables({
      iptablesSave: testdata("policy6.iptables-save.txt"),
      ip6tablesSave: testdata("policy6.ip6tables-save.txt"),
      ipsetSave: testdata("policy6.ipset-save.txt"),
    });
    const expected = expectedIptables(config6, cp6);
    expect(diffLoaded(expected, listed)).toEqual([]);
    const input6 = expected.chains.get("ip6 secgroups-input")!.rules.map(ruleText);
    expect(input6.slice(0, 3)).toEqual([
      "meta iif lo ; accept",
      "ip6 nexthdr 58 ; icmpv6 type 1 ; accept",
      "ip6 nexthdr 58 ; icmpv6 type 2 ; accept",
    ]);
    expect(input6).toContain("ip6 nexthdr 58 ; icmpv6 type 3 ; icmpv6 code 1 ; accept");
    expect(input6).toContain(
      'ip6 nexthdr 17 ; ip6 saddr fd00:1::-fd00:1:ffff:ffff:ffff:ffff:ffff:ffff ; udp dport 53,1000-2000 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:30"',
    );
    expect(input6).toContain(
      'ip6 nexthdr 58 ; ip6 saddr fd00:1:2::3 ; icmpv6 type 1 ; icmpv6 code 4 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:41"',
    );
    // Connection state only after the essential ICMPv6: neighbour discovery is not tracked.
    expect(input6.findIndex((r) => r.startsWith("ct state"))).toBe(23);
    expect(expected.chains.get("ip6 secgroups-output")!.rules.map(ruleText)).toContain(
      "ip6 nexthdr 6 ; ip6 daddr . tcp dport @secgroups-cp6 ; accept",
    );
    // `::/0` is only in the ip6tables half, `0.0.0.0/0` only in the iptables half.
    expect(expected.chains.get("secgroups-input")!.rules.some((r) => r.comment?.endsWith(":10"))).toBe(false);
    expect(expected.chains.get("ip6 secgroups-input")!.rules.some((r) => r.comment?.endsWith(":45"))).toBe(false);
    expect(expected.sets.get("s6-0ujsswThIGTUYm2K8FjOOfxcYpw")!.ranges6).toEqual([
      { first: parseIPv6("2001:db8::"), last: parseIPv6("2001:db8:0:ffff:ffff:ffff:ffff:ffff") },
      { first: parseIPv6("fd00:77::2"), last: parseIPv6("fd00:77::2") },
    ]);
    const cp = {
      family: 6,
      hook: "output",
      protocol: 6,
      src: parseIPv6("fd00:77::5")!,
      dst: parseIPv6("fd00:77::1")!,
      dstPort: 8787,
    } as const;
    expect([...expected.sets.get("secgroups-cp6")!.pairs!]).toEqual([pairKey(cp)]);
  });

  it("keeps each family's rules to its own table", () => {
    expect(() => parseIptablesSave("*filter\n:c - [0:0]\n-A c -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT\nCOMMIT\n")).toThrow(
      /--icmpv6-type in the iptables table/,
    );
    const v6 = (line: string) => parseIptablesSave("", "", {}, `*filter\n:c - [0:0]\n-A c ${line}\nCOMMIT\n`).chains.get("ip6 c")!.rules[0];
    expect(() => v6("-p icmp -m icmp --icmp-type 8 -j ACCEPT")).toThrow(/--icmp-type in the ip6tables table/);
    expect(() => v6("-s 10.0.0.0/8 -j ACCEPT")).toThrow(/not an IPv6 network/);
    expect(ruleText(v6("-s 2001:db8::1/128 -j other"))).toBe("ip6 saddr 2001:db8::1 ; jump ip6 other");
  });

  it("plays an inet6 ipset restore text through, and reads ipset save's inet6 pairs as pairKey does", () => {
    const sets = parseIpsetSave(
      [
        "create a hash:net family inet6 -exist",
        "create t hash:net family inet6 -exist",
        "add t 2001:db8::/33",
        "add t 2001:db8:8000::/33",
        "add t fd00::1",
        "swap t a",
        "destroy t",
        "create p hash:ip,port family inet6 hashsize 1024 maxelem 65536",
        "add p 2001:db8::1,tcp:8787",
        "add p 2001:db8::2,udp:53",
      ].join("\n"),
    );
    expect(sets.get("a")).toEqual({
      ranges6: [
        { first: parseIPv6("2001:db8::"), last: parseIPv6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff") },
        { first: parseIPv6("fd00::1"), last: parseIPv6("fd00::1") },
      ],
    });
    expect(sets.get("p")).toEqual({ pairs: new Set(["[2001:db8::1]:8787"]) });
  });
});
