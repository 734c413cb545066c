import { parseIPv4, parseIPv6, ValidationError } from "../model";
import { evaluate, type Packet } from "../analyze";
import { normalizePolicy, type PolicyDocumentInput } from ".";

const LIST = "prfx_lst_000000000000000000000000001";
const v6 = (s: string) => parseIPv6(s)!;
const v4 = (s: string) => parseIPv4(s)!;
const rule = (order: number, address: string, extra: object = {}) => ({
  direction: "inbound" as const,
  order,
  protocol: 6,
  port: "443",
  address,
  description: `rule ${order}`,
  ...extra,
});
const doc = (rules: object[]): PolicyDocumentInput => ({
  prefix_lists: [
    { id: LIST, name: "mixed", prefixes: [{ cidr: "10.0.0.0/8" }, { cidr: "2001:DB8:0:0::/48" }, { cidr: "2001:db8:1::/48" }] },
  ],
  security_groups: [{ id: "g", name: "group", rules: rules as never }],
});
const in6 = (src: string, extra: Partial<Packet> = {}): Packet =>
  ({ family: 6, hook: "input", protocol: 6, src: v6(src), dst: v6("fd00::10"), srcPort: 40000, dstPort: 443, ...extra }) as Packet;
const in4 = (src: string): Packet => ({ hook: "input", protocol: 6, src: v4(src), dst: v4("192.0.2.10"), srcPort: 40000, dstPort: 443 });

describe("address families in the normal form", () => {
  test("a CIDR decides its rule's family; /0 is all of one family only", () => {
    const p = normalizePolicy(doc([rule(1, "0.0.0.0/0"), rule(2, "::/0", { port: "80" }), rule(3, "2001:db8::/32", { port: "22" })]));
    expect(p.rules.map((r) => r.families)).toEqual([[4], [6], [6]]);
    expect(p.rules[0].address).toEqual({ kind: "any", family: 4 });
    expect(p.rules[1].address).toEqual({ kind: "any", family: 6 });
    expect(evaluate(p, in4("8.8.8.8")).rule?.order).toBe(1);
    expect(evaluate(p, in6("2600::1")).verdict).toBe("drop");
    expect(evaluate(p, in6("2600::1", { dstPort: 80 })).rule?.order).toBe(2);
    expect(evaluate(p, in6("2001:db8:ffff::1", { dstPort: 22 })).rule?.order).toBe(3);
    expect(evaluate(p, in6("2001:db9::1", { dstPort: 22 })).reason).toBe("default");
  });

  test("a prefix list holds both families, collapsed per family; its rule matches the packet's family", () => {
    const p = normalizePolicy(doc([rule(1, LIST)]));
    expect(p.prefixLists[0].cidrs).toEqual(["10.0.0.0/8"]);
    expect(p.prefixLists[0].cidrs6).toEqual(["2001:db8::/47"]);
    expect(p.rules[0].families).toEqual([4, 6]);
    expect(evaluate(p, in4("10.9.9.9")).verdict).toBe("accept");
    expect(evaluate(p, in6("2001:db8:1:ffff::1")).verdict).toBe("accept");
    expect(evaluate(p, in6("2001:db8:2::1")).verdict).toBe("drop");
  });

  test("ICMP narrows a prefix-list rule to IPv4 and ICMPv6 to IPv6", () => {
    const p = normalizePolicy(
      doc([rule(1, LIST, { protocol: 1, port: "", icmp_type: 8 }), rule(2, LIST, { protocol: 58, port: "", icmp_type: 128 })]),
    );
    expect(p.rules.map((r) => r.families)).toEqual([[4], [6]]);
    expect(p.rules[0].ranges6).toEqual([]);
    expect(p.rules[1].ranges).toEqual([]);
    const ping6 = in6("2001:db8::9", { protocol: 58, icmpType: 128, icmpCode: 0, dstPort: undefined, srcPort: undefined });
    expect(evaluate(p, ping6).rule?.order).toBe(2);
    // An IPv6 packet with next header 1 is no ICMP echo for rule 1.
    expect(evaluate(p, { ...ping6, protocol: 1, icmpType: 8 } as Packet).reason).toBe("default");
  });

  test("the essential ICMPv6 messages are accepted whatever the rules, others are not", () => {
    const p = normalizePolicy(doc([]));
    const icmp6 = (type: number, code = 0) =>
      evaluate(p, in6("fe80::1", { protocol: 58, icmpType: type, icmpCode: code, srcPort: undefined, dstPort: undefined }));
    for (const type of [1, 2, 133, 134, 135, 136]) expect(icmp6(type)).toMatchObject({ verdict: "accept", reason: "essential-icmpv6" });
    expect(icmp6(3, 1).verdict).toBe("accept");
    expect(icmp6(4, 3).reason).toBe("default");
    for (const type of [128, 129, 137]) expect(icmp6(type).reason).toBe("default");
  });

  test("IPv6 CIDRs are stored in RFC 5952 text; ICMP with the wrong family is refused naming the right protocol", () => {
    const p = normalizePolicy(doc([rule(1, "2001:DB8:0::/32")]));
    expect(p.rules[0].address).toMatchObject({ kind: "cidr", family: 6, cidr: { prefixLength: 32 } });
    const refused = (r: object) => {
      try {
        normalizePolicy(doc([r]));
      } catch (e) {
        return (e as ValidationError).issues.map((i) => i.message).join("\n");
      }
      throw new Error("accepted");
    };
    expect(refused(rule(1, "2001:db8::/32", { protocol: 1, port: "" }))).toMatch(/use protocol 58 \(ipv6-icmp\)/);
    expect(refused(rule(1, "10.0.0.0/8", { protocol: 58, port: "" }))).toMatch(/use protocol 1 \(icmp\)/);
    expect(refused(rule(1, "2001:db8::1/32"))).toMatch(/did you mean 2001:db8::\/32\?/);
  });

  test("control-plane endpoints of either family", () => {
    const p = normalizePolicy(doc([]), { controlPlane: [{ address: "fd00::1", port: 8787 }] });
    expect(p.controlPlane).toEqual([{ family: 6, address: v6("fd00::1"), port: 8787 }]);
    const out6 = {
      family: 6,
      hook: "output",
      protocol: 6,
      src: v6("fd00::10"),
      dst: v6("fd00::1"),
      srcPort: 40000,
      dstPort: 8787,
    } as Packet;
    expect(evaluate(p, out6).reason).toBe("control-plane");
  });
});
