import { mustParseCidr, containsAddress, type FilterRuleWrite } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { randomPolicy } from "../../test/support/policies";
import { evaluate, randomPackets, boundaryPackets, seededRandom, semanticDiff, type DiffRegion, type Packet4 as Packet } from ".";

function inRegion(region: DiffRegion, p: Packet): boolean {
  if (region.direction !== (p.hook === "input" ? "inbound" : "outbound")) return false;
  if (!region.protocols.some((r) => p.protocol >= r.from && p.protocol <= r.to)) return false;
  if (region.ports && !region.ports.some((r) => p.dstPort! >= r.from && p.dstPort! <= r.to)) return false;
  if (
    region.icmp &&
    !region.icmp.some(
      (i) => p.icmpType! >= i.types.from && p.icmpType! <= i.types.to && p.icmpCode! >= i.codes.from && p.icmpCode! <= i.codes.to,
    )
  )
    return false;
  const address = region.direction === "inbound" ? p.src : p.dst;
  return region.addresses.some((c) => containsAddress(mustParseCidr(c), address));
}

/** A variant of the document: some rules changed, dropped or added. */
function mutate(doc: PolicyDocumentInput, random: () => number): PolicyDocumentInput {
  const other = randomPolicy(random);
  return {
    prefix_lists: [...(doc.prefix_lists ?? []), ...(other.prefix_lists ?? [])],
    security_groups: doc.security_groups.map((g, gi) => {
      const rules = g.rules
        .filter(() => random() > 0.2)
        .map((r) => (random() < 0.3 ? ({ ...r, action: r.action === "drop" ? "accept" : "drop" } as FilterRuleWrite) : r));
      const used = new Set(rules.map((r) => r.order));
      const extra = (other.security_groups[gi % other.security_groups.length].rules ?? []).filter(
        (r) => !used.has(r.order) && random() < 0.5,
      );
      return { ...g, rules: [...rules, ...extra] };
    }),
  };
}

describe("semanticDiff", () => {
  test("a policy does not differ from itself", () => {
    const random = seededRandom(3);
    for (let i = 0; i < 20; i++) {
      const doc = randomPolicy(random);
      expect(semanticDiff(doc, doc).regions).toEqual([]);
    }
  });

  test("a packet's verdict changes exactly when it lies in a region, with the region's verdicts (80 random pairs)", () => {
    const random = seededRandom(4);
    for (let n = 0; n < 80; n++) {
      const beforeDoc = randomPolicy(random);
      const afterDoc = mutate(beforeDoc, random);
      const before = normalizePolicy(beforeDoc);
      const after = normalizePolicy(afterDoc);
      const { regions, opened, closed } = semanticDiff(before, after);
      expect(opened.length + closed.length).toBe(regions.length);
      const packets = [...boundaryPackets(before), ...boundaryPackets(after), ...randomPackets(after, 400, random)].filter(
        (p): p is Packet => p.family !== 6 && p.hook !== "forward" && !p.loopback && (p.state ?? "new") === "new",
      );
      for (const p of packets) {
        const vb = evaluate(before, p).verdict;
        const va = evaluate(after, p).verdict;
        const hits = regions.filter((r) => inRegion(r, p));
        expect({ n, packet: p, changed: vb !== va, regions: hits.length }).toEqual({
          n,
          packet: p,
          changed: vb !== va,
          regions: vb !== va ? 1 : 0,
        });
        if (hits.length) expect([hits[0].before.verdict, hits[0].after.verdict]).toEqual([vb, va]);
      }
    }
  });

  test("summarizes the seed change 'SSH from anywhere' as one opened region naming the rule and the sites", () => {
    const base: PolicyDocumentInput = {
      prefix_lists: [{ id: "prfx_lst_000000000000000000000000001", name: "office", prefixes: [{ cidr: "203.0.113.0/24" }] }],
      security_groups: [
        {
          id: "sec_grp_1",
          name: "web",
          sites: ["site_a", "site_b"],
          rules: [
            { direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" },
            {
              direction: "inbound",
              order: 30,
              protocol: 6,
              port: "22",
              address: "prfx_lst_000000000000000000000000001",
              description: "ssh office",
            },
          ],
        },
        { id: "sec_grp_2", name: "other", sites: ["site_c"], rules: [] },
      ],
    };
    const head: PolicyDocumentInput = {
      ...base,
      security_groups: [
        {
          ...base.security_groups[0],
          rules: [
            ...base.security_groups[0].rules,
            { direction: "inbound", order: 40, protocol: 6, port: "22", address: "0.0.0.0/0", description: "ssh world" },
          ],
        },
        base.security_groups[1],
      ],
    };
    const diff = semanticDiff(base, head);
    expect(diff.closed).toEqual([]);
    expect(diff.opened).toHaveLength(1);
    const [region] = diff.opened;
    expect(region).toMatchObject({
      direction: "inbound",
      protocols: [{ from: 6, to: 6 }],
      ports: [{ from: 22, to: 22 }],
      sites: ["site_a", "site_b"],
    });
    expect(region.after.rule?.description).toBe("ssh world");
    expect(region.before).toEqual({ verdict: "drop" });
    // Everything but the office /24, as minimal CIDRs.
    const office = mustParseCidr("203.0.113.0/24");
    expect(region.addresses.some((c) => containsAddress(mustParseCidr(c), office.network))).toBe(false);
    const size = region.addresses.reduce((sum, c) => sum + 2 ** (32 - mustParseCidr(c).prefixLength), 0);
    expect(size).toBe(2 ** 32 - 256);
  });
});
