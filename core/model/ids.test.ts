import { ID_PREFIX, idPattern, isId, ksuid, newId, type IdKind } from "./ids";

const patterns: Record<IdKind, RegExp> = {
  securityGroup: /^sec_grp_[0-9a-zA-Z]{27}$/,
  rule: /^fltr_[0-9a-zA-Z]{27}$/,
  prefixList: /^prfx_lst_[0-9a-zA-Z]{27}$/,
  prefix: /^prfx_[0-9a-zA-Z]{27}$/,
  site: /^site_[0-9a-zA-Z]{27}$/,
};

describe("ids", () => {
  it.each(Object.keys(ID_PREFIX) as IdKind[])("%s ids match the seed's pattern", (kind) => {
    for (let i = 0; i < 200; i++) {
      const id = newId(kind);
      expect(id).toMatch(patterns[kind]);
      expect(isId(kind, id)).toBe(true);
    }
    expect(new RegExp(idPattern(kind)).test(newId(kind))).toBe(true);
  });

  it("isId is exact about prefix, length and alphabet", () => {
    const body = "0ujsswThIGTUYm2K8FjOOfxcYpw";
    expect(isId("securityGroup", `sec_grp_${body}`)).toBe(true);
    expect(isId("securityGroup", `sec_grp_${body}x`)).toBe(false);
    expect(isId("securityGroup", `sec_grp_${body.slice(1)}`)).toBe(false);
    expect(isId("securityGroup", `sec_grp_${body.slice(1)}_`)).toBe(false);
    expect(isId("securityGroup", `sec_grp_${body.slice(1)}é`)).toBe(false);
    expect(isId("securityGroup", `sec_grp_${body}\n`)).toBe(false);
    expect(isId("prefix", `prfx_lst_${body}`)).toBe(false); // prfx_ + "lst_..." is not 27 alphanumerics
    expect(isId("prefixList", `prfx_${body}`)).toBe(false);
    expect(isId("site", 42)).toBe(false);
    expect(isId("site", null)).toBe(false);
  });

  it("ids are unique", () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newId("rule")));
    expect(ids.size).toBe(5000);
  });

  it("are K-sortable: a later second sorts after an earlier one, as strings", () => {
    const t0 = Date.UTC(2024, 0, 1);
    for (const step of [1000, 60_000, 86_400_000, 365 * 86_400_000]) {
      for (let i = 0; i < 50; i++) {
        const a = newId("securityGroup", t0 + i * step);
        const b = newId("securityGroup", t0 + (i + 1) * step);
        expect(a < b).toBe(true);
      }
    }
    const times = Array.from({ length: 100 }, (_, i) => Date.UTC(2015, 0, 1) + i * 3_600_000 * 97);
    const ids = times.map((t) => ksuid(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it("the KSUID body is 27 characters even at the epoch and near the 32-bit end", () => {
    expect(ksuid(1_400_000_000 * 1000)).toHaveLength(27);
    expect(ksuid((1_400_000_000 + 0xffffffff) * 1000)).toHaveLength(27);
    expect(ksuid(1_400_000_000 * 1000) < ksuid(Date.now())).toBe(true);
  });
});
