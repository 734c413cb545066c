/**
 * Semantic diff and lint over both families. The IPv4 side is held equal to
 * the reference analyzer (analyze-fast-path.test.ts); the IPv6 side against
 * the oracle itself: on mixed-family random policies and edits, a packet lies
 * in a diff region exactly when evaluate() gives it different verdicts
 * before and after, with the region's verdicts.
 */
import { cidr6Range, cidrRange, mustParseCidr, mustParseCidr6, type FilterRuleWrite } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { editPolicy, randomPolicy } from "../../test/support/policies";
import { boundaryPackets, evaluate, inRanges, inRanges6, lint, randomPackets, seededRandom, semanticDiff, type Packet } from ".";
import type { DiffRegion } from "./diff";

function inRegion(region: DiffRegion, p: Packet): boolean {
  if ((p.family ?? 4) !== region.family) return false;
  if (region.direction !== (p.hook === "input" ? "inbound" : "outbound")) return false;
  if (!region.protocols.some((r) => p.protocol >= r.from && p.protocol <= r.to)) return false;
  if (region.ports && !region.ports.some((r) => p.dstPort! >= r.from && p.dstPort! <= r.to)) return false;
  if (region.icmp && !region.icmp.some((i) => inside(p.icmpType, i.types) && inside(p.icmpCode, i.codes))) return false;
  if (p.family === 6)
    return inRanges6(
      region.addresses.map((c) => cidr6Range(mustParseCidr6(c))),
      p.hook === "input" ? p.src : p.dst,
    );
  return inRanges(
    region.addresses.map((c) => cidrRange(mustParseCidr(c))),
    p.hook === "input" ? p.src : p.dst,
  );
}

const inside = (v: number | undefined, r: { from: number; to: number }) => v !== undefined && v >= r.from && v <= r.to;

/** Without sites, so that one site enforces every rule. */
function siteless(doc: PolicyDocumentInput): PolicyDocumentInput {
  return { ...doc, security_groups: doc.security_groups.map((g) => ({ ...g, sites: [] })) };
}

describe("semantic diff over both families", () => {
  test.each([
    ["", false, 61],
    [", groups as peers and membership edits", true, 62],
  ] as const)(
    "a packet is in a region exactly when the oracle's verdict changes (mixed-family random pairs and edits%s)",
    (_, groupReferences, seed) => {
      const random = seededRandom(seed);
      let changed = 0;
      let changed6 = 0;
      for (let i = 0; i < 40; i++) {
        const before = siteless(randomPolicy(random, { families: [4, 6], groupReferences }));
        const after = siteless(
          i % 2 ? editPolicy(before, random, { members: groupReferences }) : randomPolicy(random, { families: [4, 6], groupReferences }),
        );
        const b = normalizePolicy(before);
        const a = normalizePolicy(after);
        const { regions } = semanticDiff(b, a);
        expect(regions.every((r) => r.addresses.every((c) => c.includes(":") === (r.family === 6)))).toBe(true);
        const packets = [
          ...boundaryPackets(b),
          ...boundaryPackets(a),
          ...randomPackets(b, 300, random),
          ...randomPackets(a, 300, random),
        ].filter((p) => p.hook !== "forward" && !p.loopback && (p.state ?? "new") === "new");
        for (const p of packets) {
          const vb = evaluate(b, p);
          const va = evaluate(a, p);
          // Decided before any rule (essential ICMPv6, the control-plane exception): the same in every policy.
          if (vb.reason !== "rule" && vb.reason !== "default") continue;
          const hits = regions.filter((r) => inRegion(r, p));
          if (vb.verdict === va.verdict) {
            expect({ packet: p, hits }).toEqual({ packet: p, hits: [] });
          } else {
            changed++;
            if (p.family === 6) changed6++;
            expect({ packet: p, hits: hits.length }).toEqual({ packet: p, hits: 1 });
            expect([hits[0].before.verdict, hits[0].after.verdict]).toEqual([vb.verdict, va.verdict]);
            expect(hits[0].after.rule?.id).toBe(va.rule?.id);
          }
        }
      }
      // The sample exercised changes in both families.
      expect(changed6).toBeGreaterThan(100);
      expect(changed - changed6).toBeGreaterThan(100);
    },
  );

  test("an IPv6 rule opens an IPv6 region only, named in RFC 5952 CIDRs", () => {
    const g = (rules: FilterRuleWrite[]): PolicyDocumentInput => ({ security_groups: [{ id: "sec_grp_1", name: "web", rules }] });
    const base = { direction: "inbound", order: 10, protocol: 6, port: "22", description: "ssh" } as const;
    const diff = semanticDiff(g([]), g([{ ...base, address: "2001:db8::/32" }]));
    expect(diff.opened).toEqual([
      expect.objectContaining({
        direction: "inbound",
        family: 6,
        protocols: [{ from: 6, to: 6 }],
        ports: [{ from: 22, to: 22 }],
        addresses: ["2001:db8::/32"],
      }),
    ]);
    const world = semanticDiff(g([{ ...base, address: "0.0.0.0/0" }]), g([{ ...base, address: "::/0" }]));
    expect(world.opened.map((r) => [r.family, r.addresses])).toEqual([[6, ["::/0"]]]);
    expect(world.closed.map((r) => [r.family, r.addresses])).toEqual([[4, ["0.0.0.0/0"]]]);
    // ::/0 minus a /32: the complement as CIDRs, up to the top of the space.
    const except = semanticDiff(
      g([{ ...base, address: "::/0" }]),
      g([
        { ...base, address: "2001:db8::/32", action: "drop" },
        { ...base, order: 20, address: "::/0" },
      ]),
    );
    expect(except.closed).toHaveLength(1);
    expect(except.closed[0].addresses).toEqual(["2001:db8::/32"]);
    const icmp = semanticDiff(
      g([]),
      g([{ direction: "inbound", order: 10, protocol: 58, port: "", icmp_type: 128, address: "fd00::/8", description: "ping" }]),
    );
    expect(icmp.opened).toEqual([
      expect.objectContaining({
        family: 6,
        protocols: [{ from: 58, to: 58 }],
        icmp: [{ types: { from: 128, to: 128 }, codes: { from: 0, to: 255 } }],
      }),
    ]);
  });
});

describe("lint over both families", () => {
  const LIST = "prfx_lst_000000000000000000000000001";
  const V4ONLY = "prfx_lst_000000000000000000000000002";
  const lists = [
    { id: LIST, name: "offices", prefixes: [{ cidr: "203.0.113.0/24" }, { cidr: "2001:db8::/32" }, { cidr: "2001:db8:1::/48" }] },
    { id: V4ONLY, name: "legacy", prefixes: [{ cidr: "198.51.100.0/24" }] },
  ];
  const r = (order: number, extra: Partial<FilterRuleWrite> = {}): FilterRuleWrite & { id: string } => ({
    id: `fltr_${order}`,
    direction: "inbound",
    order,
    protocol: 6,
    port: "22",
    address: "::/0",
    description: `rule ${order}`,
    ...extra,
  });
  const doc = (rules: FilterRuleWrite[]): PolicyDocumentInput => ({
    prefix_lists: lists,
    security_groups: [{ id: "sec_grp_1", name: "group", rules: [...rules, r(250, { direction: "outbound", port: "1-65535" })] }],
  });

  test("a sensitive service open to ::/0 is world-open in IPv6, and only there", () => {
    const findings = lint(doc([r(10)])).filter((f) => f.kind === "world-open-admin-port");
    expect(findings.map((f) => [f.family, f.message])).toEqual([
      [6, "Secure Shell (tcp/22) is open to the world over IPv6 (::/0) by fltr_10"],
    ]);
    const both = lint(doc([r(10), r(20, { address: "0.0.0.0/0" })])).filter((f) => f.kind === "world-open-admin-port");
    expect(both.map((f) => f.family).sort()).toEqual([4, 6]);
    // The union of two halves of IPv6 is the world too; a /1 alone is not.
    const halves = lint(doc([r(10, { address: "::/1" }), r(20, { address: "8000::/1" })])).filter(
      (f) => f.kind === "world-open-admin-port",
    );
    expect(halves.map((f) => f.rules.map((x) => x.id))).toEqual([["fltr_10", "fltr_20"]]);
    expect(lint(doc([r(10, { address: "::/1" })])).filter((f) => f.kind === "world-open-admin-port")).toEqual([]);
  });

  test("IPv6 rules shadow and make redundant IPv6 rules; a two-family rule is shadowed only if it is in both", () => {
    const shadowed = lint(doc([r(10, { address: "2001:db8::/32", action: "drop" }), r(20, { address: "2001:db8:1::/48" })]));
    expect(shadowed.find((f) => f.kind === "shadowed")).toMatchObject({ severity: "high", rules: [{ id: "fltr_20" }, { id: "fltr_10" }] });
    // IPv4 rules never shadow IPv6 ones.
    expect(lint(doc([r(10, { address: "0.0.0.0/0" }), r(20, { address: "2001:db8::/32" })])).filter((f) => f.kind === "shadowed")).toEqual(
      [],
    );
    // The list's IPv6 members are covered by rule 10, its IPv4 members are not: it still decides IPv4 packets.
    const list = lint(doc([r(10, { address: "2001:db8::/32", action: "drop" }), r(20, { address: LIST })]));
    expect(list.filter((f) => f.kind === "shadowed")).toEqual([]);
    const both = lint(
      doc([
        r(10, { address: "2001:db8::/32", action: "drop" }),
        r(11, { address: "203.0.113.0/24", action: "drop" }),
        r(20, { address: LIST }),
      ]),
    );
    expect(both.find((f) => f.kind === "shadowed")).toMatchObject({ rules: [{ id: "fltr_20" }, { id: "fltr_10" }, { id: "fltr_11" }] });
    const redundant = lint(doc([r(10, { address: "2001:db8:1::/48" }), r(20, { address: "2001:db8::/32" })]));
    expect(redundant.find((f) => f.kind === "redundant")).toMatchObject({ rules: [{ id: "fltr_10" }, { id: "fltr_20" }] });
  });

  test("overlapping IPv6 entries of a list, and an ICMPv6 rule on a list without IPv6 entries", () => {
    const findings = lint(doc([r(10, { protocol: 58, port: "", address: V4ONLY })]));
    expect(findings.filter((f) => f.kind === "overlapping-prefixes").map((f) => [f.family, f.message])).toEqual([
      [6, 'prefix list "offices": 2001:db8:1::/48 overlaps 2001:db8::/32'],
    ]);
    expect(findings.find((f) => f.kind === "empty-prefix-list")).toMatchObject({
      family: 6,
      message: `rule fltr_10 refers to prefix list ${V4ONLY}, which has no IPv6 entries: the ipv6-icmp rule never matches`,
    });
    // A rule of both families on a list of one family matches that family: no finding.
    expect(lint(doc([r(10, { address: V4ONLY })])).filter((f) => f.kind === "empty-prefix-list")).toEqual([]);
  });
});
