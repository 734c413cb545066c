import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffLoaded, ruleText } from "../../analyze/compare-loaded";
import { compilePolicy } from "..";
import { expectedIptables, parseIpsetSave, parseIptablesSave, readIptables } from "./read";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
const config = compilePolicy(JSON.parse(testdata("policy.json")), "iptables");
const CP = [{ address: "10.77.0.1", port: 8787 }];

const rule = (line: string) => ruleText(parseIptablesSave(`*filter\n:c - [0:0]\n-A c ${line}\nCOMMIT\n`).chains.get("c")!.rules[0]);

describe("the iptables reader", () => {
  it("reads what iptables-save and ipset save list as what the configuration leaves behind", () => {
    // Real listings (iptables 1.8.9 nf_tables) after applying `config`: matches reordered, names, quotes dropped, /32 dropped.
    const listed = readIptables({ iptablesSave: testdata("policy.iptables-save.txt"), ipsetSave: testdata("policy.ipset-save.txt") });
    const expected = expectedIptables(config, CP);
    expect(diffLoaded(expected, listed)).toEqual([]);
    expect(expected.chains.get("INPUT")).toEqual({
      rules: [{ matches: [], action: { kind: "jump", target: "secgroups-input" } }],
      hook: "input",
      policy: "accept",
    });
    // The temporary sets were swapped in and destroyed.
    expect([...expected.sets.keys()].sort()).toEqual(["secgroups-cp", "sg-0ujsswThIGTUYm2K8FjOOfxcYpw"]);
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
});
