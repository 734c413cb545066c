/**
 * The nftables read-back's fast path against the real kernel: the sets of
 * random mixed-family policies, loaded with `nft -f` in a namespace and
 * dumped by secgroups-nft-elements over netlink, are exactly the form
 * kernel-dump.ts works out from the file (so the fast path is taken, not
 * just safe); a hand edit of a set's elements is never confirmed, and the
 * enforcer with the dump still reports it, through nft; a dump that fails
 * leaves the read-back to nft.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../core/analyze";
import { formatCidr } from "../../core/model";
import { compilePolicy } from "../../core/platforms";
import { normalizePolicy } from "../../core/policy";
import { NFT_TABLE_NAME, NftablesEnforcer, nftables, nftablesFile } from "../../core/platforms/nftables";
import { nftFileObjects } from "../../core/platforms/nftables/delta";
import { dumpSets } from "../../core/platforms/nftables/kernel-dump";
import { WantedObjects } from "../../core/platforms/nftables/readback";
import { runCommand, type Runner } from "../../core/platforms/runner";
import { Netns, uniqueSuffix } from "../support/netns";
import { nftElementsBin } from "../support/nft-elements";
import { randomPolicy } from "../support/policies";

jest.setTimeout(180_000);

const CP = [
  { address: "198.51.100.200", port: 8787 },
  { address: "2001:db8:cafe::200", port: 8787 },
];

let ns: Netns;
let bin: string;
let run: Runner;

beforeAll(() => {
  ns = Netns.create(`sg-kd-${uniqueSuffix()}`);
  bin = nftElementsBin();
  run = (cmd, args, stdin, options) => runCommand("ip", ["netns", "exec", ns.name, cmd, ...args], stdin, options);
});

afterAll(() => ns?.delete());

/** What the file of `config` means, and the names of the sets it has a dump form for. */
function wantedOf(config: string): { wanted: WantedObjects; dumpable: string[] } {
  const wanted = new WantedObjects(nftFileObjects(nftablesFile(config, CP)));
  return { wanted, dumpable: wanted.setNames.filter((n) => wanted.dumpedText(n) !== undefined) };
}

test("the kernel holds the sets of 30 random mixed-family policies exactly in the form worked out from the file", async () => {
  const random = seededRandom(71);
  let sets = 0;
  let elements = 0;
  for (let n = 0; n < 30; n++) {
    const config = nftables.render(normalizePolicy(randomPolicy(random, { families: [4, 6] }), { mode: n % 2 ? "router" : "host" }));
    ns.exec("nft", ["-f", "-"], nftablesFile(config, CP));
    const { wanted, dumpable } = wantedOf(config);
    // Every interval set render.ts writes has the form: none is left to nft.
    const intervalSets = wanted.setNames.filter((name) => wanted.objects.objects.get(`set ${name}`)?.lines[1] === "flags interval");
    expect({ n, dumpable }).toEqual({ n, dumpable: intervalSets });
    const dump = await dumpSets(run, bin, NFT_TABLE_NAME, dumpable);
    const unconfirmed = dumpable.filter((name) => !wanted.confirmedBy(dump, dumpable).has(name));
    expect({ n, unconfirmed: unconfirmed.map((name) => ({ name, kernel: dump.get(name), file: wanted.dumpedText(name) })) }).toEqual({
      n,
      unconfirmed: [],
    });
    sets += dumpable.length;
    elements += dumpable.reduce((s, name) => s + (dump.get(name) ?? "").split("\n").length - 1, 0);
  }
  // Prefix lists of both families (and the empty group sets) were dumped, not just a few.
  expect(sets).toBeGreaterThan(40);
  expect(elements).toBeGreaterThan(150);
});

test("big random lists of both families, with the edges of the address spaces, dump in the form worked out", async () => {
  const random = seededRandom(74);
  const int = (n: number) => Math.floor(random() * n);
  const v4 = () => {
    const length = 8 + int(25);
    return formatCidr({ network: Math.floor((int(2 ** 32) >>> 0) / 2 ** (32 - length)) * 2 ** (32 - length), prefixLength: length });
  };
  const h = (n: number) => int(n).toString(16);
  // Aligned by construction: /32, /48, /64 on group boundaries, or a single address.
  const v6 = () =>
    [
      `fd${h(256)}:${h(65536)}::/32`,
      `fd${h(256)}:${h(65536)}:${h(65536)}::/48`,
      `fd${h(256)}:${h(65536)}:${h(65536)}:${h(65536)}::/64`,
      `fd${h(256)}::${h(65536)}/128`,
    ][int(4)];
  const edges = [["0.0.0.0/0"], ["0.0.0.0/8", "255.255.255.255/32"], ["::/0"], ["::/16", "ffff::/16"], ["0.0.0.0/32", "::1/128"]];
  const lists = Array.from({ length: 12 }, (_, i) => {
    const cidrs = new Set<string>(edges[i] ?? []);
    while (cidrs.size < 400) cidrs.add(i % 2 ? v6() : v4());
    return {
      id: `prfx_lst_kd${String(i).padStart(2, "0")}${"x".repeat(23)}`,
      name: `list ${i}`,
      prefixes: [...cidrs].map((cidr) => ({ cidr })),
    };
  });
  const rules = lists.map((l, i) => ({
    direction: "inbound",
    order: i + 1,
    protocol: 6,
    port: String(2000 + i),
    address: l.id,
    description: `rule ${i}`,
  }));
  const config = compilePolicy(
    {
      prefix_lists: lists,
      security_groups: [{ id: "sec_grp_kd000000000000000000000000", name: "kernel dump", rules, sites: [] }],
    } as never,
    "nftables",
  );
  ns.exec("nft", ["-f", "-"], nftablesFile(config, CP));
  const { wanted, dumpable } = wantedOf(config);
  expect(dumpable.length).toBeGreaterThanOrEqual(12);
  const dump = await dumpSets(run, bin, NFT_TABLE_NAME, dumpable);
  expect(dumpable.filter((name) => !wanted.confirmedBy(dump, dumpable).has(name))).toEqual([]);
  const lines = [...dump.values()].join("");
  // The edges were there: an open interval at the top of each family, and sets starting at 0 (no closing end).
  expect(lines).toMatch(/^ffffffff attr=6:010401000000$/m);
  expect(lines).toMatch(/^ffff0000000000000000000000000000 attr=6:010401000000$/m);
  expect(lines.split("\n").length).toBeGreaterThan(4000);
});

test("a hand edit is not confirmed, and the enforcer with the dump reports it (nft lists the set) and restores it", async () => {
  const random = seededRandom(72);
  let config = "";
  let target: { name: string; v6: boolean } | undefined;
  // A policy with a non-empty prefix-list set to edit.
  while (!target) {
    config = nftables.render(normalizePolicy(randomPolicy(random, { families: [4, 6] }), { mode: "host" }));
    const { wanted, dumpable } = wantedOf(config);
    const name = dumpable.find((n) => wanted.dumpedText(n));
    if (name) target = { name, v6: wanted.objects.objects.get(`set ${name}`)!.lines[0].includes("ipv6") };
  }
  const commands: string[] = [];
  const recording: Runner = (cmd, args, stdin, options) => {
    commands.push([cmd, ...args, stdin ?? ""].join(" "));
    return run(cmd, args, stdin, options);
  };
  const enforcer = new NftablesEnforcer({ stateDir: mkdtempSync(join(tmpdir(), "sg-kd-")), run: recording, elementsDump: bin });
  await enforcer.apply(config, CP);
  // Loaded and verified with no nft listing of an interval set: the dump confirmed them all.
  const { dumpable } = wantedOf(config);
  const listedByNft = (name: string) => commands.some((c) => c.includes("-i") && c.includes(`list set inet secgroups ${name}\n`));
  expect(dumpable.filter(listedByNft)).toEqual([]);
  expect(await enforcer.check(config, CP)).toEqual([]);

  const extra = target.v6 ? "fd12:3456::/48" : "203.0.113.77";
  ns.exec("nft", ["add", "element", "inet", "secgroups", target.name, `{ ${extra} }`]);
  commands.length = 0;
  const diff = await enforcer.check(config, CP);
  expect(diff.join("\n")).toContain(target.name);
  expect(listedByNft(target.name)).toBe(true);

  await enforcer.apply(config, CP);
  expect(await enforcer.check(config, CP)).toEqual([]);
});

test("a dump that fails leaves the read-back to nft: the same verdicts", async () => {
  const random = seededRandom(73);
  const config = nftables.render(normalizePolicy(randomPolicy(random, { families: [4, 6] }), { mode: "router" }));
  const enforcer = new NftablesEnforcer({
    stateDir: mkdtempSync(join(tmpdir(), "sg-kd-")),
    run,
    elementsDump: "/nonexistent/secgroups-nft-elements",
  });
  await enforcer.apply(config, CP);
  expect(await enforcer.check(config, CP)).toEqual([]);
  ns.exec("nft", ["flush", "chain", "inet", "secgroups", "input"]);
  expect((await enforcer.check(config, CP)).length).toBeGreaterThan(0);
});
