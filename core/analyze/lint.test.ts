import type { FilterRuleWrite } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { randomPolicy } from "../../test/support/policies";
import { boundaryPackets, evaluate, lint, randomPackets, seededRandom } from ".";

const LIST = "prfx_lst_000000000000000000000000001";
const EMPTY = "prfx_lst_000000000000000000000000002";
const r = (order: number, extra: Partial<FilterRuleWrite> & { id?: string } = {}): FilterRuleWrite & { id: string } => ({
  id: `fltr_${order}`,
  direction: "inbound",
  order,
  protocol: 6,
  port: "443",
  address: "0.0.0.0/0",
  description: `rule ${order}`,
  ...extra,
});
const doc = (
  rules: (FilterRuleWrite & { id?: string })[],
  lists = [{ id: LIST, name: "office", prefixes: [{ cidr: "203.0.113.0/24" }] }],
): PolicyDocumentInput => ({
  prefix_lists: lists,
  security_groups: [{ id: "sec_grp_1", name: "group", rules: [...rules, r(250, { direction: "outbound", port: "1-65535" })] }],
});

describe("lint", () => {
  test("a rule shadowed by one earlier rule with the opposite action is high and names both", () => {
    const findings = lint(doc([r(10, { action: "drop", port: "1-1000" }), r(20, { address: "10.0.0.0/8" })]));
    const f = findings.find((x) => x.kind === "shadowed")!;
    expect(f.severity).toBe("high");
    expect(f.rules.map((x) => x.id)).toEqual(["fltr_20", "fltr_10"]);
  });

  test("a rule shadowed by the union of earlier rules names all of them", () => {
    const findings = lint(
      doc([r(10, { address: "0.0.0.0/1" }), r(20, { address: "128.0.0.0/1" }), r(30, { address: "10.0.0.0/8", port: "443" })]),
    );
    const f = findings.find((x) => x.kind === "shadowed")!;
    expect(f).toMatchObject({ severity: "low" });
    expect(f.rules.map((x) => x.id)).toEqual(["fltr_30", "fltr_10"]);
    const wide = lint(doc([r(10, { address: "10.0.0.0/9" }), r(20, { address: "10.128.0.0/9" }), r(30, { address: "10.0.0.0/8" })]));
    expect(wide.find((x) => x.kind === "shadowed")!.rules.map((x) => x.id)).toEqual(["fltr_30", "fltr_10", "fltr_20"]);
  });

  test("a rule whose packets later rules or the default decide the same way is redundant", () => {
    const findings = lint(doc([r(10, { address: "10.0.0.0/8" }), r(20), r(30, { action: "drop", protocol: 17, port: "53" })]));
    const ids = findings.filter((x) => x.kind === "redundant").map((x) => x.rules[0].id);
    expect(ids).toEqual(expect.arrayContaining(["fltr_10", "fltr_30"]));
    expect(ids).not.toContain("fltr_20");
  });

  test("world-open administrative ports, but not ones open to a prefix list", () => {
    const findings = lint(
      doc([
        r(10, { port: "20-25" }),
        r(20, { port: "3389", address: LIST }),
        r(30, { protocol: 0, port: "", address: "0.0.0.0/1" }),
        r(31, { protocol: 0, port: "", address: "128.0.0.0/1" }),
      ]),
    );
    const open = findings.filter((x) => x.kind === "world-open-admin-port");
    expect(open.every((x) => x.severity === "high")).toBe(true);
    const messages = open.map((x) => x.message).join("\n");
    expect(messages).toMatch(/Secure Shell/);
    expect(messages).toMatch(/Telnet/);
    // The union 0/1 + 128/1 opens everything else, e.g. PostgreSQL, and names both rules.
    expect(open.find((x) => x.message.includes("PostgreSQL"))!.rules.map((x) => x.id)).toEqual(["fltr_30", "fltr_31"]);
    const secure = lint(doc([r(10, { port: "22", address: LIST })]));
    expect(secure.some((x) => x.kind === "world-open-admin-port")).toBe(false);
  });

  test("overlapping prefix-list entries, empty prefix lists, groups without outbound rules", () => {
    const findings = lint({
      prefix_lists: [
        { id: LIST, name: "office", prefixes: [{ cidr: "10.0.0.0/8" }, { cidr: "10.1.0.0/16" }, { cidr: "11.0.0.0/8" }] },
        { id: EMPTY, name: "nobody", prefixes: [] },
      ],
      security_groups: [{ id: "sec_grp_1", name: "inbound only", rules: [r(10, { address: LIST }), r(20, { address: EMPTY })] }],
    });
    const kinds = findings.map((f) => [f.kind, f.severity]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ["overlapping-prefixes", "low"],
        ["empty-prefix-list", "medium"],
        ["no-outbound-rules", "medium"],
      ]),
    );
    expect(findings.filter((f) => f.kind === "overlapping-prefixes")).toHaveLength(1);
    expect(findings.find((f) => f.kind === "empty-prefix-list")!.rules[0].id).toBe("fltr_20");
    expect(findings.find((f) => f.kind === "no-outbound-rules")!.groupId).toBe("sec_grp_1");
  });

  test("findings are sorted high to low", () => {
    const findings = lint(doc([r(10, { port: "22" }), r(20, { address: "10.0.0.0/8" }), r(30, { port: "22", action: "drop" })]));
    const rank = { high: 0, medium: 1, low: 2 };
    expect(findings.map((f) => rank[f.severity])).toEqual([...findings.map((f) => rank[f.severity])].sort());
  });

  test("on random policies, rules reported shadowed never decide a packet", () => {
    const random = seededRandom(9);
    for (let n = 0; n < 40; n++) {
      const d = randomPolicy(random);
      const policy = normalizePolicy(d);
      const shadowed = new Set(
        lint(d)
          .filter((f) => f.kind === "shadowed")
          .map((f) => f.rules[0].id),
      );
      for (const p of [...boundaryPackets(policy), ...randomPackets(policy, 500, random)]) {
        const id = evaluate(policy, p).rule?.id;
        expect(id === undefined || !shadowed.has(id)).toBe(true);
      }
    }
  });
});
