import { ValidationError, collapseCidrs, containsAddress, formatCidr, mustParseCidr, parseIPv4 } from "../model";
import { inRanges } from "../analyze/packet";
import { seededRandom } from "../analyze/equivalence";
import { normalizePolicy, type PolicyDocumentInput } from ".";

const LIST = "prfx_lst_000000000000000000000000001";
const rule = (order: number, extra: object = {}) => ({
  direction: "inbound" as const,
  order,
  protocol: 6,
  port: "443",
  address: "0.0.0.0/0",
  description: `rule ${order}`,
  ...extra,
});

describe("normalizePolicy", () => {
  test("orders rules of all groups by order, then group id, then rule id or position", () => {
    const doc: PolicyDocumentInput = {
      security_groups: [
        { id: "sec_grp_b", name: "group b", rules: [rule(10, { id: "fltr_2" }), rule(5)] },
        { id: "sec_grp_a", name: "group a", rules: [rule(10, { id: "fltr_9" }), rule(20)] },
      ],
    };
    const ids = normalizePolicy(doc).rules.map((r) => r.id);
    expect(ids).toEqual(["sec_grp_b:5", "fltr_9", "fltr_2", "sec_grp_a:20"]);
  });

  test("fills defaults and treats 1-65535 as any port", () => {
    const [r] = normalizePolicy({ security_groups: [{ id: "g", name: "group", rules: [rule(1, { port: "1-65535" })] }] }).rules;
    expect(r).toMatchObject({ action: "accept", log: false, icmpType: null, icmpCode: null, ports: null, address: { kind: "any" } });
  });

  test("normalizes port lists (whitespace, order, overlaps)", () => {
    const [r] = normalizePolicy({
      security_groups: [{ id: "g", name: "group", rules: [rule(1, { port: " 80 , 20-30,25-40, 22" })] }],
    }).rules;
    expect(r.ports).toEqual([
      { from: 20, to: 40 },
      { from: 80, to: 80 },
    ]);
  });

  test("collapses prefix lists exactly: same addresses, disjoint and minimal", () => {
    const random = seededRandom(7);
    for (let round = 0; round < 30; round++) {
      const cidrs = new Set<string>();
      while (cidrs.size < 40) {
        const length = 8 + Math.floor(random() * 25);
        const address = (0x0a000000 + Math.floor(random() * 2 ** 24)) >>> 0;
        const network = (address & (length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0)) >>> 0;
        cidrs.add(`${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join(".")}/${length}`);
      }
      const parsed = [...cidrs].map(mustParseCidr);
      const policy = normalizePolicy({
        prefix_lists: [{ id: LIST, name: "l", prefixes: [...cidrs].map((cidr) => ({ cidr })) }],
        security_groups: [{ id: "g", name: "group", rules: [rule(1, { address: LIST })] }],
      });
      const { ranges, cidrs: collapsed } = policy.prefixLists[0];
      for (let i = 1; i < ranges.length; i++) expect(ranges[i].first).toBeGreaterThan(ranges[i - 1].last + 1);
      expect(collapsed.length).toBeLessThanOrEqual(cidrs.size);
      // The fast collapse gives the same minimal list as merging ranges and splitting every range.
      expect(collapsed).toEqual(collapseCidrs(parsed).map(formatCidr));
      const collapsedParsed = collapsed.map(mustParseCidr);
      for (let k = 0; k < 2000; k++) {
        const a = (0x0a000000 + Math.floor(random() * 2 ** 24)) >>> 0;
        const probes = [a, ...parsed.flatMap((c) => [c.network, c.network - 1, c.network + 2 ** (32 - c.prefixLength)])];
        const p = probes[k % probes.length] >>> 0;
        const inOriginal = parsed.some((c) => containsAddress(c, p));
        expect(inRanges(ranges, p)).toBe(inOriginal);
        expect(collapsedParsed.some((c) => containsAddress(c, p))).toBe(inOriginal);
      }
    }
  });

  test("refuses invalid documents with paths into the document", () => {
    const bad: PolicyDocumentInput = {
      prefix_lists: [{ id: LIST, name: "l", prefixes: [{ cidr: "10.0.0.1/8" }] }],
      security_groups: [
        { id: "g", name: "group", rules: [rule(1, { port: "0" }), rule(2, { address: "prfx_lst_000000000000000000000000009" })] },
      ],
    };
    let error: unknown;
    try {
      normalizePolicy(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["prefix_lists[0].prefixes[0].cidr", "security_groups[0].rules[0].port"]));
    expect((error as ValidationError).issues.some((i) => i.code === "invalid_cidr")).toBe(true);
  });

  test("ignores fields of API responses (ids, status, timestamps)", () => {
    const doc = {
      security_groups: [
        { id: "g", name: "group", status: "active", created_at: "x", rules: [{ ...rule(1), id: "fltr_x", status: "active" }] },
      ],
    } as unknown as PolicyDocumentInput;
    expect(normalizePolicy(doc).rules[0].id).toBe("fltr_x");
  });

  test("control-plane endpoints are parsed for the oracle", () => {
    const p = normalizePolicy({ security_groups: [] }, { controlPlane: [{ address: "10.1.2.3", port: 8787 }] });
    expect(p.controlPlane).toEqual([{ family: 4, address: parseIPv4("10.1.2.3"), port: 8787 }]);
    expect(() => normalizePolicy({ security_groups: [] }, { controlPlane: [{ address: "10.1.2", port: 1 }] })).toThrow();
  });
});
