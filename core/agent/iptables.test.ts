import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, controlPlaneIpset, splitIptablesConfig } from "../compile";
import { canonicalRule, IptablesEnforcer } from "./iptables";
import type { Runner } from "./runner";

describe("canonicalRule", () => {
  it("equates a rule as written with iptables-save's printing of it", () => {
    const written =
      '-A secgroups-input -p udp -s 10.0.0.0/8 -m multiport --dports 53,1000:2000 -m comment --comment "sec_grp_x:30" -j ACCEPT';
    const saved = "-A secgroups-input -s 10.0.0.0/8 -p udp -m multiport --dports 53,1000:2000 -m comment --comment sec_grp_x:30 -j ACCEPT";
    expect(canonicalRule(saved)).toEqual(canonicalRule(written));
    expect(canonicalRule("-A secgroups-output -p gre -d 10.0.0.0/8 -j DROP")).toEqual(
      canonicalRule("-A secgroups-output -p 47 -d 10.0.0.0/8 -j DROP"),
    );
  });

  it("tells apart rules that differ in a match or the target", () => {
    const base = canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8080 -j ACCEPT");
    expect(canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8081 -j ACCEPT")).not.toEqual(base);
    expect(canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8080 -j DROP")).not.toEqual(base);
    expect(canonicalRule('-A secgroups-output -p tcp -m tcp --dport 443 -j LOG --log-prefix "sg a "').rule).toBe(
      "-m tcp --dport 443 -p 6 -j LOG --log-prefix sg a ",
    );
  });
});

describe("IptablesEnforcer.check", () => {
  const config = compilePolicy(JSON.parse(readFileSync(join(__dirname, "testdata", "policy.json"), "utf8")), "iptables");
  const CP = [{ address: "10.77.0.1", port: 8787 }];
  const parts = splitIptablesConfig(config);
  // What the tools list after a good apply: iptables-save of our chains plus the jumps, ipset save of the swapped-in sets.
  const builtins = ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  const jumps = parts.jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`).join("\n");
  const iptablesSave = parts.iptables.replace("*filter\n", `*filter\n${builtins}`).replace("COMMIT", `${jumps}\nCOMMIT`);
  const ipsetSave = (parts.ipset + controlPlaneIpset(CP))
    .split("\n")
    .filter((l) => /^(create|add) /.test(l))
    .map((l) => l.replace(/ sgt-/, " sg-").replace(/ secgroups-cp-t /, " secgroups-cp "))
    .join("\n");

  function fake(ipset: string): { run: Runner; calls: string[][] } {
    const calls: string[][] = [];
    const run: Runner = async (cmd, args) => {
      calls.push([cmd, ...args]);
      if (cmd === "iptables-save") return { code: 0, stdout: iptablesSave, stderr: "" };
      if (cmd === "ipset" && args[0] === "save") return { code: 0, stdout: ipset, stderr: "" };
      return { code: 0, stdout: "", stderr: "" };
    };
    return { run, calls };
  }

  it("finds a good apply in force, reading every set with one ipset save", async () => {
    const { run, calls } = fake(ipsetSave);
    const enforcer = new IptablesEnforcer({ run });
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(calls.filter((c) => c[0] === "ipset")).toEqual([["ipset", "save"]]);
  });

  it("reports a missing set and a set whose members differ", async () => {
    const names = [...new Set(ipsetSave.split("\n").map((l) => l.split(" ")[1]))];
    const list = names.find((n) => n.startsWith("sg-"))!;
    const withoutList = ipsetSave
      .split("\n")
      .filter((l) => l.split(" ")[1] !== list)
      .join("\n");
    expect(await new IptablesEnforcer({ run: fake(withoutList).run }).check(config, CP)).toEqual([`ipset ${list} is missing`]);
    const oneLess = ipsetSave.replace(new RegExp(`^add ${list} .*$\\n?`, "m"), "");
    expect(await new IptablesEnforcer({ run: fake(oneLess).run }).check(config, CP)).toEqual([
      `ipset ${list} differs from the configuration`,
    ]);
    const otherCp = [{ address: "10.77.0.9", port: 8787 }];
    expect(await new IptablesEnforcer({ run: fake(ipsetSave).run }).check(config, otherCp)).toEqual([
      "ipset secgroups-cp differs from the configuration",
    ]);
  });
});
