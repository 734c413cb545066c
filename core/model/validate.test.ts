import { ValidationError } from "./errors";
import { LIMITS } from "./shapes";
import {
  checkReferences,
  orThrow,
  referencedPrefixLists,
  validatePrefixListWrite,
  validateSecurityGroupWrite,
  validateSiteWrite,
} from "./validate";

const PL = "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw";
const SITE = "site_0ujsswThIGTUYm2K8FjOOfxcYpw";
const rule = (order: number, extra: Record<string, unknown> = {}) => ({
  direction: "inbound",
  order,
  protocol: 6,
  port: "443",
  address: "0.0.0.0/0",
  description: `r${order}`,
  ...extra,
});
const group = (extra: Record<string, unknown> = {}) => ({ name: "web", rules: [rule(1)], sites: [], ...extra });
const paths = (r: ReturnType<typeof validateSecurityGroupWrite>) => (r.ok ? [] : r.issues.map((i) => i.path));

describe("validateSecurityGroupWrite", () => {
  it("normalizes a valid group: defaults, ports, description null", () => {
    const r = validateSecurityGroupWrite(
      group({ rules: [rule(2, { port: " 80 , 443" }), rule(1, { protocol: 1, port: "" })], sites: [SITE] }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        name: "web",
        description: null,
        sites: [SITE],
        rules: [
          {
            direction: "inbound",
            order: 2,
            protocol: 6,
            port: "80,443",
            address: "0.0.0.0/0",
            description: "r2",
            action: "accept",
            icmp_type: null,
            icmp_code: null,
            log: false,
          },
          {
            direction: "inbound",
            order: 1,
            protocol: 1,
            port: "",
            address: "0.0.0.0/0",
            description: "r1",
            action: "accept",
            icmp_type: null,
            icmp_code: null,
            log: false,
          },
        ],
      },
    });
  });

  it("accepts read-only fields echoed back from a GET and ignores them", () => {
    const r = validateSecurityGroupWrite({
      ...group(),
      id: "sec_grp_x",
      status: "active",
      sync_errors: [],
      created_at: "x",
      updated_at: "y",
      rules: [{ ...rule(1), id: "fltr_x" }],
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).not.toHaveProperty("id");
  });

  it("LIMITS are the contract's", () => {
    expect(LIMITS.groupName).toEqual({ min: 3, max: 255 });
    expect(LIMITS.groupDescription).toBe(1024);
    expect(LIMITS.rules).toBe(250);
    expect(LIMITS.order).toEqual({ min: 1, max: 250 });
    expect(LIMITS.ruleDescription).toEqual({ min: 1, max: 255 });
    expect(LIMITS.prefixListDescription).toBe(1000);
    expect(LIMITS.prefixes).toBe(500);
  });

  it("counts characters by code point", () => {
    expect(validateSecurityGroupWrite(group({ name: "😀😀😀" })).ok).toBe(true);
    expect(paths(validateSecurityGroupWrite(group({ name: "😀😀" })))).toEqual(["name"]);
    expect(validateSecurityGroupWrite(group({ name: "😀".repeat(255) })).ok).toBe(true);
    expect(paths(validateSecurityGroupWrite(group({ name: "😀".repeat(256) })))).toEqual(["name"]);
  });

  it("refuses NUL and lone surrogates in text", () => {
    expect(paths(validateSecurityGroupWrite(group({ name: "ab\u0000c" })))).toEqual(["name"]);
    expect(paths(validateSecurityGroupWrite(group({ description: "x\ud800" })))).toEqual(["description"]);
    expect(paths(validateSecurityGroupWrite(group({ rules: [rule(1, { description: "\udfff" })] })))).toEqual(["rules[0].description"]);
  });

  it("reports every issue with its path", () => {
    const r = validateSecurityGroupWrite({
      name: "no",
      description: 5,
      rules: [
        rule(1, { port: "0" }),
        rule(2, { direction: "up", protocol: 1, port: "", icmp_code: 3 }),
        rule(2),
        rule(3, { address: "10.0.0.1/8", extra: 1 }),
      ],
      sites: ["site_x", SITE, SITE],
      other: true,
    });
    expect(r.ok).toBe(false);
    expect(paths(r).sort()).toEqual(
      [
        "name",
        "description",
        "rules[0].port",
        "rules[1].direction",
        "rules[1].icmp_code",
        "rules[3].address",
        "rules[3].extra",
        "sites[0]",
        "sites[2]",
        "other",
      ].sort(),
    );
    if (!r.ok) {
      for (const i of r.issues) expect(i.message.startsWith(`${i.path}: `)).toBe(true);
      expect(r.issues.find((i) => i.path === "rules[3].address")!.message).toContain("did you mean 10.0.0.0/8?");
    }
  });

  it("flags a duplicate order against the first valid use", () => {
    const r = validateSecurityGroupWrite(group({ rules: [rule(7), rule(8), rule(7)] }));
    expect(paths(r)).toEqual(["rules[2].order"]);
    if (!r.ok) expect(r.issues[0].code).toBe("duplicate_order");
  });

  it("suggests /32 for a bare address", () => {
    const r = validateSecurityGroupWrite(group({ rules: [rule(1, { address: "10.1.2.3" })] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].message).toContain("did you mean 10.1.2.3/32?");
  });

  it("ICMP fields only with protocol 1, code needs type", () => {
    expect(validateSecurityGroupWrite(group({ rules: [rule(1, { protocol: 1, port: "", icmp_type: 3, icmp_code: 4 })] })).ok).toBe(true);
    expect(paths(validateSecurityGroupWrite(group({ rules: [rule(1, { icmp_type: 3 })] })))).toEqual(["rules[0].icmp_type"]);
    expect(paths(validateSecurityGroupWrite(group({ rules: [rule(1, { protocol: 1, port: "", icmp_code: 4 })] })))).toEqual([
      "rules[0].icmp_code",
    ]);
  });

  it.each([[null], [[]], ["x"], [1], [undefined]])("refuses a non-object body %p", (body) => {
    const r = validateSecurityGroupWrite(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].path).toBe("");
  });

  it("does not let a __proto__ key pass as unknown-free", () => {
    const body = JSON.parse('{"name":"abc","rules":[],"sites":[],"__proto__":{"x":1}}');
    expect(paths(validateSecurityGroupWrite(body))).toEqual(["__proto__"]);
  });
});

describe("validatePrefixListWrite", () => {
  it("normalizes and defaults sites to []", () => {
    expect(validatePrefixListWrite({ name: "p", prefixes: [{ cidr: "10.0.0.0/8" }] })).toEqual({
      ok: true,
      value: { name: "p", description: null, prefixes: [{ cidr: "10.0.0.0/8", description: null }], sites: [] },
    });
  });
  it("limits and duplicates", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/24` }));
    expect(validatePrefixListWrite({ name: "p", prefixes: many(500) }).ok).toBe(true);
    expect(validatePrefixListWrite({ name: "p", prefixes: many(501) }).ok).toBe(false);
    expect(validatePrefixListWrite({ name: "p", description: "d".repeat(1000), prefixes: [] }).ok).toBe(true);
    expect(validatePrefixListWrite({ name: "p", description: "d".repeat(1001), prefixes: [] }).ok).toBe(false);
    const dup = validatePrefixListWrite({ name: "p", prefixes: [{ cidr: "10.0.0.0/8" }, { cidr: "10.0.0.0/8" }] });
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.issues[0].path).toBe("prefixes[1].cidr");
  });
});

describe("validateSiteWrite", () => {
  it("defaults mode to host", () => {
    expect(validateSiteWrite({ name: "s", platform: "routeros" })).toEqual({
      ok: true,
      value: { name: "s", platform: "routeros", mode: "host", addresses: [] },
    });
  });
  it("refuses unknown platforms and modes", () => {
    expect(validateSiteWrite({ name: "s", platform: "pf" }).ok).toBe(false);
    expect(validateSiteWrite({ name: "s", platform: "nftables", mode: "bridge" }).ok).toBe(false);
  });
});

describe("references and orThrow", () => {
  it("referencedPrefixLists keeps the first path of each id", () => {
    const r = validateSecurityGroupWrite(group({ rules: [rule(1), rule(2, { address: PL }), rule(3, { address: PL })] }));
    if (!r.ok) throw new Error("should be valid");
    expect([...referencedPrefixLists(r.value)]).toEqual([[PL, "rules[1].address"]]);
  });
  it("checkReferences names unknown lists and sites", () => {
    const issues = checkReferences(
      { prefixLists: new Map([[PL, "rules[4].address"]]), sites: [SITE] },
      { prefixLists: new Set(), sites: new Set() },
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ["rules[4].address", "reference_not_found"],
      ["sites[0]", "reference_not_found"],
    ]);
    expect(
      checkReferences({ prefixLists: new Map([[PL, "x"]]), sites: [SITE] }, { prefixLists: new Set([PL]), sites: new Set([SITE]) }),
    ).toEqual([]);
  });
  it("orThrow throws a 422 ValidationError with all issues", () => {
    try {
      orThrow(validateSecurityGroupWrite({ name: "x", rules: "no", sites: [] }));
      throw new Error("did not throw");
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const e = err as ValidationError;
      expect(e.status).toBe(422);
      expect(e.toResponse("http://api.test")).toMatchObject({
        type: "invalid_request_error",
        code: "value_too_short",
        doc_url: "http://api.test/docs/errors/value_too_short",
      });
      expect(e.toResponse("http://api.test").errors).toHaveLength(2);
    }
  });
});
