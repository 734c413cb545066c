/**
 * In-process equivalence: each platform's rendering, read back by that
 * platform's reader (the one the agent verifies with), must agree with the
 * oracle on boundary and random packets; and a loaded ruleset that differs
 * from the policy must be caught. (The kernel versions of these checks are in
 * test/integration/differential.test.ts.)
 */
import { checkEquivalence, seededRandom } from "../analyze";
import { normalizePolicy } from "../policy";
import { randomPolicy } from "../../test/support/policies";
import { iptables, nftables, routeros } from ".";

describe.each(["host", "router"] as const)("generated rulesets agree with the oracle (%s mode)", (mode) => {
  test("RouterOS script (/ip and /ipv6), both slots, 60 random mixed-family policies", () => {
    const random = seededRandom(mode === "host" ? 11 : 12);
    for (let n = 0; n < 60; n++) {
      const doc = randomPolicy(random, { families: [4, 6], groupReferences: n % 2 === 0 });
      const policy = normalizePolicy(doc, { mode });
      const script = routeros.render(policy);
      for (const slot of ["a", "b"] as const) {
        const report = checkEquivalence(policy, routeros.read({ script, slot }), {
          random: 300,
          seed: n,
        });
        expect(report.disagreements.slice(0, 2)).toEqual([]);
        expect(report.checked).toBeGreaterThan(300);
      }
    }
  });

  test("nftables file with control-plane elements (both families), read by the nftables reader, 60 random mixed-family policies", () => {
    const random = seededRandom(mode === "host" ? 31 : 32);
    const endpoints = [
      { address: "198.51.100.200", port: 8787 },
      { address: "2001:db8:cafe::200", port: 8787 },
    ];
    for (let n = 0; n < 60; n++) {
      const doc = randomPolicy(random, { families: [4, 6], groupReferences: n % 2 === 0 });
      const controlPlane = n % 3 === 0 ? endpoints : n % 3 === 1 ? endpoints.slice(1) : [];
      const policy = normalizePolicy(doc, { mode, controlPlane });
      const report = checkEquivalence(policy, nftables.expected(nftables.render(policy), controlPlane), { random: 300, seed: n });
      expect(report.disagreements.slice(0, 2)).toEqual([]);
      expect(report.checked).toBeGreaterThan(300);
    }
  });

  test("iptables and ip6tables restore texts and ipsets of both families, with control-plane elements, 60 random mixed-family policies", () => {
    const random = seededRandom(mode === "host" ? 21 : 22);
    for (let n = 0; n < 60; n++) {
      const doc = randomPolicy(random, { families: [4, 6], groupReferences: n % 2 === 0 });
      const controlPlane = [[], [{ address: "198.51.100.200", port: 8787 }], [{ address: "2001:db8:cafe::200", port: 8787 }]][n % 3];
      const policy = normalizePolicy(doc, { mode, controlPlane });
      const report = checkEquivalence(policy, iptables.expected(iptables.render(policy), controlPlane), { random: 300, seed: n });
      expect(report.disagreements.slice(0, 2)).toEqual([]);
      expect(report.checked).toBeGreaterThan(300);
    }
  });
});

describe("the equivalence check catches a ruleset that differs", () => {
  const doc = {
    prefix_lists: [{ id: "prfx_lst_000000000000000000000000001", name: "office", prefixes: [{ cidr: "203.0.113.0/24" }] }],
    security_groups: [
      {
        id: "sec_grp_1",
        name: "web",
        rules: [
          { direction: "inbound" as const, order: 10, protocol: 6, port: "443,8000-8080", address: "0.0.0.0/0", description: "web" },
          {
            direction: "inbound" as const,
            order: 20,
            protocol: 6,
            port: "22",
            address: "prfx_lst_000000000000000000000000001",
            description: "ssh",
          },
          { direction: "outbound" as const, order: 30, protocol: 17, port: "53", address: "10.0.0.0/8", description: "dns" },
        ],
      },
    ],
  };
  const policy = normalizePolicy(doc);
  const loaded = () => routeros.expected(routeros.render(policy), []);

  test("an unchanged ruleset passes", () => {
    expect(checkEquivalence(policy, loaded()).disagreements).toEqual([]);
  });

  test("a prefix list one address too wide fails, at the edge", () => {
    const l = loaded();
    const set = l.sets.get("sg-a-prfx_lst_000000000000000000000000001")!;
    set.ranges = [{ first: set.ranges![0].first, last: set.ranges![0].last + 1 }];
    const { disagreements } = checkEquivalence(policy, l);
    expect(disagreements.length).toBeGreaterThan(0);
    expect(disagreements.some((d) => d.packet.src === set.ranges![0].last && d.packet.dstPort === 22)).toBe(true);
  });

  test("a port range one port short fails", () => {
    const l = loaded();
    const chain = l.chains.get("secgroups-input-a")!;
    const web = chain.rules.find((r) => r.comment?.endsWith(":sec_grp_1:10"))!;
    const ports = web.matches.find((m) => m.kind === "dport")!;
    if (ports.kind === "dport") ports.ports = ports.ports.map((p) => (p.to === 8080 ? { ...p, to: 8079 } : p));
    expect(checkEquivalence(policy, l).disagreements.some((d) => d.packet.dstPort === 8080)).toBe(true);
  });

  test("a missing connection-state rule fails", () => {
    const l = loaded();
    const chain = l.chains.get("secgroups-output-a")!;
    chain.rules = chain.rules.filter((r) => !r.matches.some((m) => m.kind === "state" && m.states.includes("established")));
    expect(checkEquivalence(policy, l).disagreements.some((d) => d.packet.state === "established")).toBe(true);
  });
});
