/** The delivery delta: applying delta(a, b) to a gives b, on random texts and on real compiled configurations. */
import fc from "fast-check";
import { compilePolicy } from "../platforms";
import { seededRandom } from "../analyze/equivalence";
import { formatCidr, type FilterRuleWrite, type Platform } from ".";
import { applyLineDelta, lineDelta } from "./text-delta";

/** Lines from a small alphabet, so texts share and repeat lines (the hard case for anchors). */
const text = fc
  .array(fc.constantFrom("a", "b", "c", "}", "", "\t{", "x y", "elements = { 1, 2 }"), { maxLength: 40 })
  .map((l) => l.join("\n"));

describe("lineDelta / applyLineDelta", () => {
  test("apply(delta(a, b), a) == b on random texts", () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(applyLineDelta(a, lineDelta(a, b))).toBe(b);
      }),
      { numRuns: 2000 },
    );
  });

  test("apply(delta(a, b), a) == b on random unicode texts with CR, trailing newlines and empty lines", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(applyLineDelta(a, lineDelta(a, b))).toBe(b);
        expect(applyLineDelta(a + "\n", lineDelta(a + "\n", a + "\r\n" + b))).toBe(a + "\r\n" + b);
      }),
      { numRuns: 500 },
    );
  });

  test("b derived from a by random line edits: exact, and never more lines inserted than b has", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 })), { maxLength: 6 }),
        (lines, edits) => {
          const edited = [...lines];
          for (const [at, del, ins] of edits) edited.splice(at % (edited.length + 1), del, ...ins);
          const [a, b] = [lines.join("\n"), edited.join("\n")];
          const delta = lineDelta(a, b);
          expect(applyLineDelta(a, delta)).toBe(b);
          expect(delta.reduce((n, h) => n + h.insert.length, 0)).toBeLessThanOrEqual(b.split("\n").length);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("identical texts give no hunks; hunks are ascending and disjoint", () => {
    expect(lineDelta("a\nb\n", "a\nb\n")).toEqual([]);
    expect(applyLineDelta("a\nb\n", [])).toBe("a\nb\n");
    fc.assert(
      fc.property(text, text, (a, b) => {
        let end = 0;
        for (const h of lineDelta(a, b)) {
          expect(h.at).toBeGreaterThanOrEqual(end);
          expect(h.delete + h.insert.length).toBeGreaterThan(0);
          end = h.at + h.delete;
        }
      }),
    );
  });

  test("hunks that do not fit the base are refused, not applied partly", () => {
    expect(() => applyLineDelta("a\nb", [{ at: 1, delete: 2, insert: [] }])).toThrow(/does not fit/);
    expect(() => applyLineDelta("a\nb", [{ at: 3, delete: 0, insert: ["x"] }])).toThrow(/does not fit/);
    expect(() =>
      applyLineDelta("a\nb\nc", [
        { at: 1, delete: 1, insert: [] },
        { at: 0, delete: 1, insert: [] },
      ]),
    ).toThrow(/does not fit/);
    expect(() => applyLineDelta("a", [{ at: 0, delete: -1, insert: [] }])).toThrow(/does not fit/);
    expect(() => applyLineDelta("a", [{ at: 0.5, delete: 0, insert: [] }])).toThrow(/does not fit/);
  });
});

/** 40 lists of 50 CIDRs, 60 rules: big enough that a whole-text delta would show. */
function policy(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const lists = Array.from({ length: 40 }, (_, i) => {
    const cidrs = new Set<string>();
    while (cidrs.size < 50) {
      const length = 16 + int(17);
      cidrs.add(formatCidr({ network: ((0x0a000000 + int(2 ** 24)) >>> (32 - length)) * 2 ** (32 - length), prefixLength: length }));
    }
    return { id: `prfx_lst_${String(i).padStart(27, "0")}`, name: `list ${i}`, prefixes: [...cidrs].map((cidr) => ({ cidr })) };
  });
  const rules: FilterRuleWrite[] = Array.from({ length: 60 }, (_, i) => ({
    direction: i % 3 ? "inbound" : "outbound",
    order: i + 1,
    protocol: 6,
    port: String(1000 + i),
    address: lists[i % lists.length].id,
    description: `rule ${i}`,
  }));
  return { prefix_lists: lists, security_groups: [{ id: "sec_grp_delta", name: "delta test", rules }] };
}

describe.each<Platform>(["nftables", "iptables", "routeros"])("on compiled %s configurations", (platform) => {
  const base = policy(7);
  const a = compilePolicy(base, platform);

  test("one prefix changed: exact, and the delta is a small part of the text", () => {
    const changed = structuredClone(base);
    changed.prefix_lists[13].prefixes[4] = { cidr: "192.168.77.0/24" };
    const b = compilePolicy(changed, platform);
    const delta = lineDelta(a, b);
    expect(applyLineDelta(a, delta)).toBe(b);
    expect(JSON.stringify(delta).length).toBeLessThan(b.length / 10);
  });

  test("random edits of lists and rules: exact", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(39), fc.nat(49), fc.nat(255)), { maxLength: 8 }),
        fc.array(fc.nat(59), { maxLength: 3 }),
        (prefixEdits, droppedRules) => {
          const changed = structuredClone(base);
          for (const [list, index, octet] of prefixEdits) changed.prefix_lists[list].prefixes[index] = { cidr: `172.16.${octet}.0/24` };
          const drop = new Set(droppedRules);
          changed.security_groups[0].rules = changed.security_groups[0].rules.filter((_, i) => !drop.has(i));
          for (const p of changed.prefix_lists) p.prefixes = [...new Map(p.prefixes.map((x) => [x.cidr, x])).values()];
          const b = compilePolicy(changed, platform);
          expect(applyLineDelta(a, lineDelta(a, b))).toBe(b);
          expect(applyLineDelta(b, lineDelta(b, a))).toBe(a);
        },
      ),
      { numRuns: 25 },
    );
  });

  test("to and from an unrelated policy and the empty text: exact", () => {
    const other = compilePolicy(policy(8), platform);
    for (const [x, y] of [
      [a, other],
      [other, a],
      [a, ""],
      ["", a],
    ])
      expect(applyLineDelta(x, lineDelta(x, y))).toBe(y);
  });
});
