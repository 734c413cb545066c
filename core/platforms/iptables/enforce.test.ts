import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "..";
import type { Runner } from "../runner";
import { IptablesEnforcer } from "./enforce";
import * as reader from "./read";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
const config = compilePolicy(JSON.parse(testdata("policy.json")), "iptables");
const CP = [{ address: "10.77.0.1", port: 8787 }];
// What iptables 1.8.9 (nf_tables) and ipset listed after applying `config` with this control plane.
const iptablesSave = testdata("policy.iptables-save.txt");
const ipsetSave = testdata("policy.ipset-save.txt");

function fake(listing: { iptables?: string; ipset: string }): { run: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const run: Runner = async (cmd, args) => {
    calls.push([cmd, ...args]);
    if (cmd === "iptables-save") return { code: 0, stdout: listing.iptables ?? iptablesSave, stderr: "" };
    if (cmd === "ipset" && args[0] === "save") return { code: 0, stdout: listing.ipset, stderr: "" };
    return { code: 0, stdout: "", stderr: "" };
  };
  return { run, calls };
}
const check = (listing: { iptables?: string; ipset: string }, controlPlane = CP) =>
  new IptablesEnforcer({ run: fake(listing).run }).check(config, controlPlane);

describe("IptablesEnforcer.check", () => {
  it("finds a good apply in force, reading every set with one ipset save", async () => {
    const { run, calls } = fake({ ipset: ipsetSave });
    const enforcer = new IptablesEnforcer({ run });
    expect(await enforcer.check(config, CP)).toEqual([]);
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
    expect(await check({ iptables: noJump, ipset: ipsetSave })).toEqual(["chain OUTPUT rule 1: (missing); expected jump secgroups-output"]);
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
      expect.stringMatching(/^our chains or sets hold what the agent cannot read: unsupported iptables option --dst-type/),
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
        : { code: 1, stdout: "", stderr: "ipset v7.17: Kernel error" };
    expect(await new IptablesEnforcer({ run }).check(config, CP)).toEqual([
      "chain secgroups-output rule 8: (missing); expected drop",
      "ipset save failed (exit 1): ipset v7.17: Kernel error",
    ]);
  });
});

describe("IptablesEnforcer verifies once per listing", () => {
  it("does not read an unchanged listing again, and reads a changed one", async () => {
    let ipset = ipsetSave;
    const run: Runner = async (cmd, args) =>
      cmd === "iptables-save"
        ? { code: 0, stdout: iptablesSave.replace(/Dec {2}1 21:26:47/g, String(Date.now())), stderr: "" }
        : { code: 0, stdout: args[0] === "save" ? ipset : "", stderr: "" };
    const reads = jest.spyOn(reader, "readIptables");
    const enforcer = new IptablesEnforcer({ run });
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(await enforcer.check(config, CP)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(1);
    ipset = ipsetSave.replace(/^add sg-\S+ 10\.77\.0\.2\n/m, "");
    expect(await enforcer.check(config, CP)).toEqual([expect.stringMatching(/^set sg-\S+ holds 1 elements, expected 2/)]);
    expect(reads).toHaveBeenCalledTimes(2);
    reads.mockRestore();
  });
});
