/**
 * Incremental apply on iptables + ipset, in network namespaces with the real
 * tools: after random sequences of revisions applied one after the other with
 * their predecessor, what the host lists (our chains of both families, our
 * sets) reads back equal to a full load of the last revision in a fresh
 * namespace, and the applies were deltas; hand edits of a set or a chain are
 * seen by the cheap check (chain lines and set headers).
 */
import { seededRandom } from "../../core/analyze";
import { diffLoaded } from "../../core/analyze/compare-loaded";
import { compilePolicy } from "../../core/platforms";
import { IptablesEnforcer, expectedIptables, ipsetName, readIptables } from "../../core/platforms/iptables";
import { runCommand, type Runner } from "../../core/platforms/runner";
import { Netns, uniqueSuffix } from "../support/netns";
import { firstRevision, nextRevision } from "../support/revisions";

jest.setTimeout(300_000);

const CP = [
  { address: "198.51.100.200", port: 8787 },
  { address: "2001:db8:cafe::200", port: 8787 },
];

const namespaces: Netns[] = [];
afterAll(() => namespaces.forEach((ns) => ns.delete()));

function namespace(tag: string): Netns {
  const ns = Netns.create(`sg-di${tag}-${uniqueSuffix()}`);
  namespaces.push(ns);
  return ns;
}

function enforcerIn(ns: Netns): IptablesEnforcer {
  const run: Runner = (cmd, args, stdin, options) => runCommand("ip", ["netns", "exec", ns.name, cmd, ...args], stdin, options);
  return new IptablesEnforcer({ run });
}

/** Our chains and the sets `config` uses, as the host lists them. */
function hostOf(ns: Netns, config: string) {
  const sets = expectedIptables(config, CP).sets;
  return readIptables(
    {
      iptablesSave: ns.exec("iptables-save", ["-t", "filter"]),
      ip6tablesSave: ns.exec("ip6tables-save", ["-t", "filter"]),
      ipsetSave: ns.exec("ipset", ["save"]),
    },
    { sets: (name) => sets.has(name) },
  );
}

test("random revision sequences applied incrementally equal a full load of the last one", async () => {
  const site = namespace("a");
  const modes: string[] = [];
  for (const seed of [1, 2, 3]) {
    const random = seededRandom(100 + seed);
    const enforcer = enforcerIn(site);
    let doc = firstRevision(random, 500);
    let config = compilePolicy(doc, "iptables");
    await enforcer.apply(config, CP);
    for (let step = 0; step < 8; step++) {
      const previous = { config, controlPlane: CP };
      const next = nextRevision(doc, random);
      doc = next.doc;
      config = compilePolicy(doc, "iptables");
      const outcome = await enforcer.apply(config, CP, previous);
      modes.push(outcome.mode === "full" ? `${next.edit}: full: ${outcome.reason}` : "delta");
    }
    expect(await enforcer.check(config, CP)).toEqual([]);
    const fresh = namespace(`f${seed}`);
    await enforcerIn(fresh).apply(config, CP);
    expect({ seed, diff: diffLoaded(hostOf(fresh, config), hostOf(site, config)) }).toEqual({ seed, diff: [] });
  }
  expect(modes.filter((m) => m !== "delta")).toEqual([]);
});

test("hand edits of a set or a chain are seen by the cheap check", async () => {
  const ns = namespace("h");
  const random = seededRandom(9);
  const doc = firstRevision(random, 500);
  const config = compilePolicy(doc, "iptables");
  const enforcer = enforcerIn(ns);
  await enforcer.apply(config, CP);
  expect(await enforcer.quickCheck(config, CP)).toEqual([]);
  const big = (doc.prefix_lists ?? []).reduce((a, b) => (b.prefixes.length > a.prefixes.length ? b : a)).id;
  ns.exec("ipset", ["add", ipsetName(big, 4), "192.0.2.0/24"]);
  expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(new RegExp(`set ${ipsetName(big, 4)}`))]);
  await enforcer.apply(config, CP);
  ns.exec("iptables", ["-F", "secgroups-input"]);
  expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(/secgroups-input/)]);
});
