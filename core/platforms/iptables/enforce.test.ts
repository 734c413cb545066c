import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "..";
import type { Runner } from "../runner";
import { IptablesEnforcer } from "./enforce";
import { ip6tablesBeside, joinIptablesConfig, splitIptablesConfig } from ".";
import * as reader from "./read";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
const config = compilePolicy(JSON.parse(testdata("policy.json")), "iptables");
const CP = [{ address: "10.77.0.1", port: 8787 }];
// What iptables 1.8.9 (nf_tables), ip6tables and ipset listed after applying `config` with this control plane.
const iptablesSave = testdata("policy.iptables-save.txt");
const ip6tablesSave = testdata("policy.ip6tables-save.txt");
const ipsetSave = testdata("policy.ipset-save.txt");

interface Listing {
  iptables?: string;
  ip6tables?: string;
  ipset: string;
}

function fake(listing: Listing, fails: (call: string[]) => boolean = () => false): { run: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const run: Runner = async (cmd, args) => {
    calls.push([cmd, ...args]);
    if (fails([cmd, ...args])) return { code: 2, stdout: "", stderr: `${cmd}: line 3 failed` };
    if (cmd === "iptables-save") return { code: 0, stdout: listing.iptables ?? iptablesSave, stderr: "" };
    if (cmd === "ip6tables-save") return { code: 0, stdout: listing.ip6tables ?? ip6tablesSave, stderr: "" };
    if (cmd === "ipset" && args[0] === "save") return { code: 0, stdout: listing.ipset, stderr: "" };
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}
const check = (listing: Listing, controlPlane = CP) => new IptablesEnforcer({ run: fake(listing).run }).check(config, controlPlane);

describe("IptablesEnforcer.check", () => {
  it("finds a good apply in force, reading every set with one ipset save", async () => {
    const { run, calls } = fake({ ipset: ipsetSave });
    const enforcer = new IptablesEnforcer({ run });
    expect(await enforcer.check(config, CP)).toEqual([]);
    // The headers the cheap check compares with (quickCheck) come from the same listing.
    expect(calls.filter((c) => c[0] === "ipset")).toEqual([["ipset", "save"]]);
  });

  it("reports a missing set and a set whose members differ", async () => {
    const list = "sg-0ujsswThIGTUYm2K8FjOOfxcYpw";
    const withoutList = ipsetSave
      .split("\n")
      .filter((l) => l.split(" ")[1] !== list)
      .join("\n");
    expect(await check({ ipset: withoutList })).toEqual([`set ${list} is missing`]);
    const oneLess = ipsetSave.replace(new RegExp(`^add ${list} 10\\.77\\.0\\.2\\n`, "m"), "");
    expect(await check({ ipset: oneLess })).toEqual([`set ${list} holds 1 elements, expected 2 (contents differ)`]);
    expect(await check({ ipset: ipsetSave }, [{ address: "10.77.0.9", port: 8787 }])).toEqual([
      "set secgroups-cp holds 1 elements, expected 1 (contents differ)",
    ]);
  });

  it("reports a flushed chain, a missing jump and a hand-added rule in our chain", async () => {
    const flushed = iptablesSave.replace(/^-A secgroups-input .*\n/gm, "");
    expect(await check({ iptables: flushed, ipset: ipsetSave })).toEqual([
      expect.stringMatching(/^chain secgroups-input rule 1: \(missing\); expected meta iif lo ; accept/),
    ]);
    const noJump = iptablesSave.replace("-A OUTPUT -j secgroups-output\n", "");
    expect(await check({ iptables: noJump, ipset: ipsetSave })).toEqual(["chain OUTPUT rule 2: (missing); expected jump secgroups-output"]);
    const added = iptablesSave.replace(
      "-A secgroups-input -j DROP",
      "-A secgroups-input -p tcp -m tcp --dport 22 -j ACCEPT\n-A secgroups-input -j DROP",
    );
    expect(await check({ iptables: added, ipset: ipsetSave })).toEqual([
      "chain secgroups-input rule 9: ip protocol 6 ; tcp dport 22 ; accept; expected drop",
    ]);
    const unreadable = iptablesSave.replace(
      "-A secgroups-input -j DROP",
      "-A secgroups-input -m addrtype --dst-type LOCAL -j ACCEPT\n-A secgroups-input -j DROP",
    );
    expect(await check({ iptables: unreadable, ipset: ipsetSave })).toEqual([
      expect.stringMatching(/^our chains hold what the agent cannot read: unsupported iptables option --dst-type/),
    ]);
  });

  it("leaves what is not ours alone: other rules and policies of the built-in chains, other sets, a repeated jump", async () => {
    const others = iptablesSave
      .replace(":INPUT ACCEPT [0:0]", ":INPUT DROP [12:3400]")
      .replace(
        "-A INPUT -j secgroups-input",
        "-A INPUT -m addrtype --dst-type LOCAL -j ACCEPT\n-A INPUT -j secgroups-input\n-A INPUT -j secgroups-input",
      )
      .replace("COMMIT", "-A FORWARD -j secgroups-forward\nCOMMIT");
    const otherSets = `create docker hash:mac hashsize 1024\nadd docker 02:42:ac:11:00:02\n${ipsetSave}create sg-0ujsswOldList hash:net family inet\nadd sg-0ujsswOldList 192.0.2.0/24\n`;
    expect(await check({ iptables: others, ipset: otherSets })).toEqual([]);
  });

  it("says so when ipset save fails, and still compares the chains", async () => {
    const run: Runner = async (cmd) =>
      cmd === "iptables-save"
        ? { code: 0, stdout: iptablesSave.replace(/^-A secgroups-output -j DROP\n/m, ""), stderr: "" }
        : cmd === "ip6tables-save"
          ? { code: 0, stdout: ip6tablesSave, stderr: "" }
          : { code: 1, stdout: "", stderr: "ipset v7.17: Kernel error" };
    expect(await new IptablesEnforcer({ run }).check(config, CP)).toEqual([
      "chain secgroups-output rule 8: (missing); expected drop",
      "ipset save failed (exit 1): ipset v7.17: Kernel error",
    ]);
  });
});

describe("IptablesEnforcer verifies once per listing", () => {
  it("does not read an unchanged listing again, and reads a changed one (only the side that changed)", async () => {
    let ipset = ipsetSave;
    // The listings' timestamps change on every call; what is ours does not.
    const stamped = (save: string) => save.replace(/ on .*$/gm, ` on ${Date.now()}`);
    const run: Runner = async (cmd, args) =>
      cmd === "iptables-save" || cmd === "ip6tables-save"
        ? { code: 0, stdout: stamped(cmd === "iptables-save" ? iptablesSave : ip6tablesSave), stderr: "" }
        : { code: 0, stdout: args[0] === "save" ? ipset : "", stderr: "" };
    const reads = jest.spyOn(reader, "readIptables");
    const enforcer = new IptablesEnforcer({ run });
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(1);
    ipset = ipsetSave.replace(/^add sg-\S+ 10\.77\.0\.2\n/m, "");
    const sets = jest.spyOn(reader, "listedIpsets");
    expect(await enforcer.check(config, CP)).toEqual([expect.stringMatching(/^set sg-\S+ holds 1 elements, expected 2/)]);
    // The chains are listed as last verified: not read again; the changed set listing is.
    expect(reads).toHaveBeenCalledTimes(1);
    expect(sets).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    sets.mockRestore();
  });
});

describe("IptablesEnforcer with the ruleset generation (secgroups-nft-elements)", () => {
  /** `ipset list -t` of what `save` holds: each set's header and number of entries. */
  const listHeaders = (save: string) =>
    save
      .split("\n")
      .filter((l) => l.startsWith("create "))
      .map((l) => {
        const [, name, type, ...header] = l.split(" ");
        const count = save.split("\n").filter((a) => a.startsWith(`add ${name} `)).length;
        return `Name: ${name}\nType: ${type}\nRevision: 9\nHeader: ${header.join(" ")}\nSize in memory: 1\nReferences: 1\nNumber of entries: ${count}\n`;
      })
      .join("");

  function site(backend = "nf_tables") {
    const state = { gen: "7" as string | undefined, iptables: iptablesSave };
    const calls: string[][] = [];
    const run: Runner = async (cmd, args) => {
      calls.push([cmd, ...args]);
      const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      if (cmd === "secgroups-nft-elements")
        return state.gen === undefined ? { code: 1, stdout: "", stderr: "netlink socket: permission denied" } : ok(`gen ${state.gen}\n`);
      if (args[0] === "-V") return ok(`${cmd} v1.8.9 (${backend})\n`);
      if (cmd === "iptables-save") return ok(state.iptables);
      if (cmd === "ip6tables-save") return ok(ip6tablesSave);
      if (cmd === "ipset" && args[0] === "save") return ok(ipsetSave);
      if (cmd === "ipset" && args.join(" ") === "list -t") return ok(listHeaders(ipsetSave));
      return ok("");
    };
    const enforcer = new IptablesEnforcer({ run, nftElements: "secgroups-nft-elements" });
    const saves = () => calls.filter((c) => c[0].endsWith("tables-save")).length;
    return { state, calls, enforcer, saves };
  }

  it("takes our chains as verified while the generation has not moved, and lists them when it has", async () => {
    const { state, enforcer, saves } = site();
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(saves()).toBe(2);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(saves()).toBe(2);
    // A commit somewhere (ours or anyone's): listed, found as verified, and proven by the new generation from then on.
    state.gen = "8";
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(saves()).toBe(4);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(saves()).toBe(4);
    // The full read-back lists both tables whatever the generation.
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(saves()).toBe(6);
  });

  it("finds a hand edit of our chains: it moved the generation", async () => {
    const { state, enforcer } = site();
    expect(await enforcer.check(config, CP)).toEqual([]);
    state.iptables = iptablesSave.replace(/^-A secgroups-input .*\n/gm, "");
    state.gen = "8";
    expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(/^chain secgroups-input rule 1: \(missing\)/)]);
  });

  it("lists our chains each time on the legacy backend (whose commits move no generation), asking it once", async () => {
    const { calls, enforcer, saves } = site("legacy");
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(saves()).toBe(6);
    expect(calls.filter((c) => c[0] === "secgroups-nft-elements")).toEqual([]);
    expect(calls.filter((c) => c[1] === "-V").map((c) => c[0])).toEqual(["iptables", "ip6tables"]);
  });

  it("lists our chains when the program fails", async () => {
    const { state, enforcer, saves } = site();
    state.gen = undefined;
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(await enforcer.quickCheck(config, CP)).toEqual([]);
    expect(saves()).toBe(4);
  });
});

describe("IptablesEnforcer on both families", () => {
  // A dual-stack policy (IPv6 CIDRs, ::/0, ICMPv6, a prefix list of both families) and what the kernel listed after applying it.
  const config6 = compilePolicy(JSON.parse(testdata("policy6.json")), "iptables");
  const CP6 = [
    { address: "10.77.0.1", port: 8787 },
    { address: "fd00:77::1", port: 8787 },
  ];
  const listing6 = {
    iptables: testdata("policy6.iptables-save.txt"),
    ip6tables: testdata("policy6.ip6tables-save.txt"),
    ipset: testdata("policy6.ipset-save.txt"),
  };
  const check6 = (changes: Partial<Listing>, controlPlane = CP6) =>
    new IptablesEnforcer({ run: fake({ ...listing6, ...changes }).run }).check(config6, controlPlane);

  it("finds a good dual-stack apply in force", async () => {
    expect(await check6({})).toEqual([]);
  });

  it("reports drift in the ip6tables half: a rule, a jump, an IPv6 set member, the IPv6 control-plane element", async () => {
    const ssh = listing6.ip6tables.replace(/--dport 8080 (.*) -j ACCEPT/, "--dport 8088 $1 -j ACCEPT");
    expect(await check6({ ip6tables: ssh })).toEqual([
      'chain ip6 secgroups-input rule 26: ip6 nexthdr 6 ; tcp dport 8088 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:10"; expected ip6 nexthdr 6 ; tcp dport 8080 ; accept ; comment "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw:10"',
    ]);
    const noNd = listing6.ip6tables.replace(/^-A secgroups-output -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT\n/m, "");
    expect(await check6({ ip6tables: noNd })).toEqual([
      expect.stringMatching(
        /^chain ip6 secgroups-output rule 14: ip6 nexthdr 58 ; icmpv6 type 136 ; accept; expected ip6 nexthdr 58 ; icmpv6 type 135 ; accept$/,
      ),
    ]);
    const noJump = listing6.ip6tables.replace("-A INPUT -j secgroups-input\n", "");
    expect(await check6({ ip6tables: noJump })).toEqual(["chain ip6 INPUT rule 2: (missing); expected jump ip6 secgroups-input"]);
    const oneLess = listing6.ipset.replace(/^add s6-\S+ fd00:77::2\n/m, "");
    expect(await check6({ ipset: oneLess })).toEqual([expect.stringMatching(/^set s6-\S+ holds 1 elements, expected 2/)]);
    expect(await check6({}, [CP6[0], { address: "fd00:77::9", port: 8787 }])).toEqual([
      "set secgroups-cp6 holds 1 elements, expected 1 (contents differ)",
    ]);
  });

  it("applies sets (the IPv6 half checked meanwhile), lists the sets while both tables load, then lists the tables", async () => {
    const { run, calls } = fake(listing6);
    await new IptablesEnforcer({ run }).apply(config6, CP6);
    const steps = calls.map((c) => c.slice(0, 3).join(" "));
    expect(steps).toEqual([
      "ipset restore",
      "ip6tables-restore --test --noflush",
      "ipset save",
      "iptables-restore --noflush",
      "ip6tables-restore --noflush",
      "iptables-save -t filter",
      "ip6tables-save -t filter",
    ]);
  });

  it("inserts the jumps a table lacks at the top of their chains, then lists that table again", async () => {
    let ip6tables = listing6.ip6tables.replace("-A INPUT -j secgroups-input\n", "");
    const { run: listed, calls } = fake(listing6);
    const run: Runner = async (cmd, args, stdin) => {
      if (cmd === "ip6tables-save") calls.push([cmd, ...args]);
      if (cmd === "ip6tables-save") return { code: 0, stdout: ip6tables, stderr: "" };
      if (cmd === "ip6tables" && args[0] === "-I") ip6tables = listing6.ip6tables;
      return listed(cmd, args, stdin);
    };
    const enforcer = new IptablesEnforcer({ run });
    await enforcer.apply(config6, CP6);
    expect(calls.filter((c) => /^ip6?tables(-save)?$/.test(c[0])).map((c) => c.join(" "))).toEqual([
      "iptables-save -t filter",
      "ip6tables-save -t filter",
      "ip6tables -I INPUT 1 -j secgroups-input",
      "ip6tables-save -t filter",
    ]);
    expect(await enforcer.quickCheck(config6, CP6)).toEqual([]);
    // A check (not an apply) reports it rather than mending it.
    ip6tables = listing6.ip6tables.replace("-A INPUT -j secgroups-input\n", "");
    expect(await enforcer.check(config6, CP6)).toEqual(["chain ip6 INPUT rule 2: (missing); expected jump ip6 secgroups-input"]);
  });

  it("leaves both tables as they were when the kernel refuses the IPv6 half", async () => {
    const { run, calls } = fake(listing6, (c) => c[0] === "ip6tables-restore");
    await expect(new IptablesEnforcer({ run }).apply(config6, CP6)).rejects.toThrow(
      /^ip6tables-restore --test --noflush failed \(exit 2\): ip6tables-restore: line 3 failed/,
    );
    // Tested beside the sets' load, then again once they are in (a set of the revision may have been missing): no table loaded.
    expect(calls.filter((c) => c[0] === "iptables-restore" || c[0] === "ip6tables-restore")).toEqual([
      ["ip6tables-restore", "--test", "--noflush"],
      ["ip6tables-restore", "--test", "--noflush"],
    ]);
  });

  it("fails the apply with ip6tables' own error when the IPv6 load fails after the IPv4 one (the agent then re-applies the previous revision)", async () => {
    const { run, calls } = fake(listing6, (c) => c[0] === "ip6tables-restore" && c[1] === "--noflush");
    await expect(new IptablesEnforcer({ run }).apply(config6, CP6)).rejects.toThrow(
      /^ip6tables-restore --noflush failed \(exit 2\): ip6tables-restore: line 3 failed/,
    );
    // Nothing after the failed step: no jumps, no verification.
    expect(calls.map((c) => c[0]).slice(-2)).toEqual(["iptables-restore", "ip6tables-restore"]);
  });

  it("removes our jumps and chains from both tables, then our sets of both families", async () => {
    const sets = "secgroups-cp\nsecgroups-cp6\nsg-0ujsswThIGTUYm2K8FjOOfxcYpw\ns6-0ujsswThIGTUYm2K8FjOOfxcYpw\ndocker\n";
    const { run, calls } = fake(listing6);
    const listed: Runner = async (cmd, args, stdin) =>
      cmd === "ipset" && args[0] === "list" ? { code: 0, stdout: sets, stderr: "" } : run(cmd, args, stdin);
    await new IptablesEnforcer({ run: listed }).remove();
    const changes = calls.filter((c) => c[1] === "-D" || c[1] === "-X" || c[1] === "destroy").map((c) => c.join(" "));
    expect(changes).toEqual([
      "iptables -D INPUT -j secgroups-input",
      "iptables -D OUTPUT -j secgroups-output",
      "iptables -X secgroups-input",
      "iptables -X secgroups-output",
      "iptables -X secgroups-forward",
      "ip6tables -D INPUT -j secgroups-input",
      "ip6tables -D OUTPUT -j secgroups-output",
      "ip6tables -X secgroups-input",
      "ip6tables -X secgroups-output",
      "ip6tables -X secgroups-forward",
      "ipset destroy secgroups-cp",
      "ipset destroy secgroups-cp6",
      "ipset destroy sg-0ujsswThIGTUYm2K8FjOOfxcYpw",
      "ipset destroy s6-0ujsswThIGTUYm2K8FjOOfxcYpw",
    ]);
  });

  it("finds our chains present when only the IPv6 table holds them", async () => {
    const bare = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
    expect(await new IptablesEnforcer({ run: fake({ ...listing6, iptables: bare }).run }).present()).toBe(true);
    expect(await new IptablesEnforcer({ run: fake({ iptables: bare, ip6tables: bare, ipset: "" }).run }).present()).toBe(false);
  });

  it("leaves ip6tables alone for a configuration rendered before IPv6 (no ip6tables section)", async () => {
    const parts = splitIptablesConfig(config);
    const ipset4 = parts.ipset.slice(0, parts.ipset.indexOf("create secgroups-cp6 "));
    const old = joinIptablesConfig({ ipset: ipset4, iptables: parts.iptables, jumps: parts.jumps });
    expect(old).not.toMatch(/ip6tables|inet6/);
    const { run, calls } = fake({ ipset: ipsetSave.replace(/^.*inet6.*\n/gm, "") });
    await new IptablesEnforcer({ run }).apply(old, CP);
    expect(calls.some((c) => c[0].startsWith("ip6tables"))).toBe(false);
    expect(calls[0][0]).toBe("ipset");
  });
});

describe("ip6tablesBeside", () => {
  it("finds ip6tables of the same build beside iptables", () => {
    expect(ip6tablesBeside("iptables")).toBe("ip6tables");
    expect(ip6tablesBeside("/usr/sbin/iptables-legacy")).toBe("/usr/sbin/ip6tables-legacy");
    expect(ip6tablesBeside("/opt/fw/bin/iptables-nft")).toBe("/opt/fw/bin/ip6tables-nft");
  });
});
