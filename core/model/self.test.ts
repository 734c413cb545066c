import { idAsSelf, isSelf, SELF, selfAsId } from "./self";
import { validateSecurityGroupWrite } from "./validate";

const ID = "sec_grp_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7";
const OTHER = "sec_grp_0000000000000000000000000009";
const rule = (order: number, address: string) => ({
  direction: "inbound",
  order,
  protocol: 6,
  port: "2379",
  address,
  description: `rule ${order}`,
});

describe("self", () => {
  it("is accepted by the validator as written, with no family of its own (ICMP and ICMPv6 both fine)", () => {
    const result = validateSecurityGroupWrite({
      name: "etcd",
      rules: [rule(1, SELF), { ...rule(2, SELF), protocol: 1, port: "" }, { ...rule(3, SELF), protocol: 58, port: "" }],
      sites: [],
    });
    expect(result.ok ? result.value.rules.map((r) => r.address) : result.issues).toEqual([SELF, SELF, SELF]);
  });

  it("is only the exact word", () => {
    for (const spelling of ["Self", "self ", "selfish"]) {
      const result = validateSecurityGroupWrite({ name: "etcd", rules: [rule(1, spelling)], sites: [] });
      expect(result.ok ? [] : result.issues.map((i) => i.code)).toEqual(["invalid_cidr"]);
    }
    expect(isSelf("self")).toBe(true);
    expect(isSelf("Self")).toBe(false);
  });

  it("maps to the group's id and back, other addresses untouched; no copy when nothing maps", () => {
    const written = [rule(1, SELF), rule(2, OTHER), rule(3, "10.0.0.0/8")];
    const stored = selfAsId(written, ID);
    expect(stored.map((r) => r.address)).toEqual([ID, OTHER, "10.0.0.0/8"]);
    expect(written[0].address).toBe(SELF);
    expect(idAsSelf(stored, ID).map((r) => r.address)).toEqual([SELF, OTHER, "10.0.0.0/8"]);
    const plain = [rule(1, OTHER)];
    expect(selfAsId(plain, ID)).toBe(plain);
    expect(idAsSelf(plain, ID)).toBe(plain);
  });
});
