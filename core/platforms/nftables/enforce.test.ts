import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compilePolicy } from "..";
import { PassThrough } from "node:stream";
import type { Runner, Spawner } from "../runner";
import { NftablesEnforcer } from "./enforce";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
const config = compilePolicy(JSON.parse(testdata("policy.json")), "nftables");
// What nft 1.0.6 listed after loading `config` with this control plane.
const CP = [{ address: "10.77.0.1", port: 8787 }];
const listed = testdata("policy.nft.json");

/**
 * A fake nft: records calls, fails `-f` when told to, and lists `table` (a
 * `nft -j list table` listing; undefined: no such table) the ways the
 * enforcer asks: the whole table, the terse ruleset (no elements), `list
 * set` lines on `-i`, `list chains`.
 */
function fakeNft(state: { table?: string; reject?: string; calls: string[][]; loadedFiles: string[] }): Runner {
  return async (cmd, all, stdin) => {
    // `nft -i` runs as `env HOME=/dev/null nft ...`.
    const args = cmd === "env" ? all.slice(2) : all;
    state.calls.push(args);
    if (args[0] === "-f") {
      if (state.reject) return { code: 1, stdout: "", stderr: state.reject };
      if (args[1] !== "-") state.loadedFiles.push(readFileSync(args[1], "utf8"));
      return { code: 0, stdout: "", stderr: "" };
    }
    const items: Item[] = state.table === undefined ? [] : JSON.parse(state.table).nftables;
    const doc = (selected: Item[]) => JSON.stringify({ nftables: [items[0] ?? { metainfo: {} }, ...selected] });
    const chains = doc(items.filter((i) => i.chain));
    const input = stdin ?? "";
    if (args.join(" ") === "-j -t -i" && input === "list ruleset inet\n")
      return ok(doc(items.slice(1).map((i) => (i.set ? { set: { ...i.set, elem: undefined } } : i))));
    if (args.join(" ") === "-j list chains inet") return ok(chains);
    if (args.join(" ") === "-j -i") {
      let stdout = "";
      let stderr = "";
      for (const line of input.split("\n").filter(Boolean)) {
        const name = /^list (?:set|map) inet secgroups (\S+)$/.exec(line)?.[1];
        const set = items.find((i) => i.set?.name === name);
        if (line === "list chains inet") stdout += `${chains}\n`;
        else if (set) stdout += `${doc([set])}\n`;
        else stderr += "Error: No such file or directory\n";
      }
      return { code: 0, stdout, stderr };
    }
    if (state.table === undefined) return { code: 1, stdout: "", stderr: "Error: No such file or directory; did you mean table ..." };
    return ok(state.table);
  };
}

type Item = { set?: { name: string; elem?: unknown }; chain?: unknown; rule?: { chain: string } };
const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });

describe("NftablesEnforcer", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "sg-nft-unit-"));

  it("loads the config and the control-plane elements in one nft -f, then verifies the read-back", async () => {
    const state = { table: listed, calls: [] as string[][], loadedFiles: [] as string[] };
    await new NftablesEnforcer({ stateDir, run: fakeNft(state) }).apply(config, CP);
    expect(state.calls.filter((c) => c[0] === "-f")).toHaveLength(1);
    // The elements as a second block of the table, not `add element` (which makes nft fetch the whole current table first).
    expect(state.loadedFiles[0]).toBe(
      config +
        "table inet secgroups {\n\tset control_plane {\n\t\ttype ipv4_addr . inet_service\n\t\telements = { 10.77.0.1 . 8787 }\n\t}\n}\n",
    );
    expect(state.loadedFiles[0]).not.toMatch(/^add element/m);
    // Read back without `list table` (nft would fetch and print every element in one process): the
    // terse ruleset for the structure and `list set` commands for the elements.
    expect(state.calls.slice(1).sort()).toEqual([
      ["-j", "-i"],
      ["-j", "-t", "-i"],
    ]);
  });

  it("fails with nft's own error text when nft rejects the file", async () => {
    const state = {
      table: listed,
      reject: "/x.nft:9:1-20: Error: Could not process rule: No such file or directory",
      calls: [] as string[][],
      loadedFiles: [],
    };
    await expect(new NftablesEnforcer({ stateDir, run: fakeNft(state) }).apply(config, CP)).rejects.toThrow(
      /exit 1\): \/x\.nft:9:1-20: Error: Could not process rule/,
    );
  });

  it("fails when the table read back is not what was loaded", async () => {
    const state = { table: listed, calls: [] as string[][], loadedFiles: [] };
    const other = [{ address: "10.77.0.9", port: 8787 }];
    await expect(new NftablesEnforcer({ stateDir, run: fakeNft(state) }).apply(config, other)).rejects.toThrow(
      /table differs from it: set control_plane/,
    );
  });

  it("reports a read-back it cannot read as a difference (so it is re-applied over), not as an error", async () => {
    const json = JSON.parse(listed);
    json.nftables.push({
      rule: {
        family: "inet",
        table: "secgroups",
        chain: "input",
        handle: 99,
        expr: [{ match: { op: "==", left: { fib: { flags: ["daddr"], result: "type" } }, right: "local" } }, { accept: null }],
      },
    });
    const state = { table: JSON.stringify(json), calls: [] as string[][], loadedFiles: [] };
    expect(await new NftablesEnforcer({ stateDir, run: fakeNft(state) }).check(config, CP)).toEqual([
      expect.stringMatching(/^the table holds what the agent cannot read: unsupported nft match/),
    ]);
  });

  it("finds a change in the read-back of a table it verified before", async () => {
    const state = { table: listed, calls: [] as string[][], loadedFiles: [] as string[] };
    const nft = new NftablesEnforcer({ stateDir, run: fakeNft(state) });
    await nft.apply(config, CP);
    expect(await nft.check(config, CP)).toEqual([]);
    const json = JSON.parse(listed);
    json.nftables = json.nftables.filter((o: { rule?: { chain: string } }) => o.rule?.chain !== "output");
    state.table = JSON.stringify(json);
    expect(await nft.check(config, CP)).toEqual([expect.stringMatching(/^chain output rule 1: \(missing\)/)]);
  });

  it("check reports a missing table; remove is one idempotent transaction", async () => {
    const state = { table: undefined as string | undefined, calls: [] as string[][], loadedFiles: [] };
    const nft = new NftablesEnforcer({ stateDir, run: fakeNft(state) });
    expect(await nft.check(config, CP)).toEqual(["the table is missing"]);
    expect(await nft.present()).toBe(false);
    await nft.remove();
    expect(state.calls[state.calls.length - 1]).toEqual(["-f", "-"]);
  });
  it("watches again when a load stops the watch while its first probes are still waited for", async () => {
    // A check starts the watch and probes it; a full load then stops that monitor before any probe
    // came through, and the load's own read-back asks for probing while the first run winds down.
    let live: (EventEmitter & { stdout: PassThrough }) | undefined;
    let deliver = false;
    let pid = 100;
    let started = 0;
    const spawnMonitor: Spawner = () => {
      const child = Object.assign(new EventEmitter(), {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        exitCode: null as number | null,
        kill() {
          child.exitCode = 0;
          if (live === child) live = undefined;
          setImmediate(() => child.emit("close", 0, null));
          return true;
        },
      });
      live = child;
      started++;
      return child as unknown as ChildProcessWithoutNullStreams;
    };
    const state = { table: listed, calls: [] as string[][], loadedFiles: [] as string[] };
    const fake = fakeNft(state);
    const run: Runner = async (cmd, args, stdin, options) => {
      if (args[0] === "-f" && args[1] === "-") {
        const id = ++pid;
        options?.onSpawn?.(id);
        const monitor = live;
        if (deliver && monitor) setImmediate(() => monitor.stdout.write(`# new generation ${id} by process ${id} (nft)\n`));
      }
      return fake(cmd, args, stdin, options);
    };
    const nft = new NftablesEnforcer({ stateDir, run, spawn: spawnMonitor });
    let changes = 0;
    nft.watch(() => changes++);
    await nft.check(config, CP);
    await nft.apply(config, CP);
    deliver = true;
    const end = Date.now() + 10_000;
    while (!nft.proven && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      if (changes) await nft.check(config, CP);
    }
    expect(started).toBeGreaterThanOrEqual(2);
    expect(live).toBeDefined();
    expect(nft.proven).toBe(true);
    nft.unwatch();
  });
});
