/**
 * The RouterOS reader's model of the two firewall tables (/ip and /ipv6): what
 * it reads from a dual-stack script, and that the equivalence check catches an
 * IPv6 part that differs from the policy. (Random policies of both families:
 * core/platforms/equivalence.test.ts.)
 */
import { checkEquivalence, evaluateLoaded } from "../../analyze";
import { parseIPv6, PROTOCOL } from "../../model";
import { normalizePolicy } from "../../policy";
import { routeros } from "..";

const LIST = "prfx_lst_000000000000000000000000001";
const doc = {
  prefix_lists: [{ id: LIST, name: "office", prefixes: [{ cidr: "203.0.113.0/24" }, { cidr: "2001:db8:10::/48" }] }],
  security_groups: [
    {
      id: "sec_grp_1",
      name: "dual",
      rules: [
        { direction: "inbound" as const, order: 10, protocol: 6, port: "443", address: "::/0", description: "web v6" },
        { direction: "inbound" as const, order: 20, protocol: 6, port: "22", address: LIST, description: "ssh office" },
        { direction: "outbound" as const, order: 30, protocol: 17, port: "53", address: "2001:db8::53/128", description: "dns6" },
      ],
    },
  ],
};
const policy = normalizePolicy(doc);
const script = routeros.render(policy);
const loaded = () => routeros.expected(script, []);
const v6 = (text: string) => parseIPv6(text)!;

test("the /ipv6 table is read into its own chains; an address list holds each table's members", () => {
  const l = loaded();
  for (const hook of ["input", "output"]) {
    expect(l.chains.get(`ipv6/${hook}`)).toMatchObject({ hook, policy: "accept" });
    expect(l.chains.get(`ipv6/${hook}`)!.rules.map((r) => r.action)).toEqual([{ kind: "jump", target: `ipv6/secgroups-${hook}-a` }]);
  }
  const set = l.sets.get(`sg-a-${LIST}`)!;
  expect(set.ranges).toEqual([{ first: 0xcb007100, last: 0xcb0071ff }]);
  expect(set.ranges6).toEqual([{ first: v6("2001:db8:10::"), last: v6("2001:db8:10:ffff:ffff:ffff:ffff:ffff") }]);
  const ssh = l.chains.get("ipv6/secgroups-input-a")!.rules.find((r) => r.comment === "secgroups:a:sec_grp_1:20")!;
  expect(ssh.matches).toEqual([
    { kind: "ipv6" },
    { kind: "protocol", protocol: PROTOCOL.TCP, family: 6 },
    { kind: "address", field: "src", set: `sg-a-${LIST}`, family: 6 },
    { kind: "dport", ports: [{ from: 22, to: 22 }] },
  ]);
  expect(checkEquivalence(policy, l).disagreements).toEqual([]);
});

test("an IPv6 packet never meets the /ip table, nor an IPv4 packet the /ipv6 one", () => {
  const onlyIPv4 = routeros.expected(
    script
      .split("\n")
      .filter((line) => !line.startsWith("/ipv6 "))
      .join("\n"),
    [],
  );
  const tcp6 = {
    family: 6 as const,
    hook: "input" as const,
    protocol: PROTOCOL.TCP,
    src: v6("fd00::1"),
    dst: v6("fd00::2"),
    srcPort: 40000,
    dstPort: 8080,
  };
  // Without /ipv6 rules RouterOS leaves IPv6 unfiltered; with them the new slot's default drop decides.
  expect(evaluateLoaded(onlyIPv4, tcp6).verdict).toBe("accept");
  expect(evaluateLoaded(loaded(), tcp6)).toEqual({ verdict: "drop", comment: "secgroups:a:default" });
  const tcp4 = { hook: "input" as const, protocol: PROTOCOL.TCP, src: 0x0a000001, dst: 0x0a000002, srcPort: 40000, dstPort: 443 };
  // ::/0 port 443 is an IPv6 rule: IPv4 port 443 falls to the /ip default drop.
  expect(evaluateLoaded(loaded(), tcp4)).toEqual({ verdict: "drop", comment: "secgroups:a:default" });
  expect(evaluateLoaded(loaded(), { ...tcp6, dstPort: 443 })).toEqual({ verdict: "accept", comment: "secgroups:a:sec_grp_1:10" });
});

describe("the equivalence check catches an IPv6 part that differs", () => {
  test("an IPv6 address-list member one address too wide fails, at the edge", () => {
    const l = loaded();
    const set = l.sets.get(`sg-a-${LIST}`)!;
    const last = v6("2001:db8:11::");
    set.ranges6 = [{ first: set.ranges6![0].first, last }];
    const { disagreements } = checkEquivalence(policy, l);
    expect(disagreements.some((d) => d.packet.family === 6 && d.packet.src.join() === last.join() && d.packet.dstPort === 22)).toBe(true);
  });

  test("a missing essential ICMPv6 accept fails (neighbour solicitation)", () => {
    const l = loaded();
    const chain = l.chains.get("ipv6/secgroups-input-a")!;
    chain.rules = chain.rules.filter((r) => !r.matches.some((m) => m.kind === "icmp" && m.type === 135));
    const { disagreements } = checkEquivalence(policy, l);
    expect(
      disagreements.some((d) => d.packet.hook === "input" && d.packet.icmpType === 135 && d.expected.reason === "essential-icmpv6"),
    ).toBe(true);
  });

  test("essential ICMPv6 accepted only after connection state fails for an invalid-state message", () => {
    const l = loaded();
    const chain = l.chains.get("ipv6/secgroups-output-a")!;
    const essential = chain.rules.filter((r) => r.comment === "secgroups:a:icmpv6");
    const rest = chain.rules.filter((r) => r.comment !== "secgroups:a:icmpv6");
    const afterState = rest.findIndex((r) => r.comment === "secgroups:a:invalid") + 1;
    chain.rules = [...rest.slice(0, afterState), ...essential, ...rest.slice(afterState)];
    const { disagreements } = checkEquivalence(policy, l);
    expect(disagreements.length).toBeGreaterThan(0);
    expect(disagreements.every((d) => d.packet.state === "invalid" && d.expected.reason === "essential-icmpv6")).toBe(true);
  });

  test("an IPv6 chain without its default drop fails on new IPv6 traffic", () => {
    const l = loaded();
    const chain = l.chains.get("ipv6/secgroups-input-a")!;
    chain.rules = chain.rules.filter((r) => r.comment !== "secgroups:a:default");
    const { disagreements } = checkEquivalence(policy, l);
    expect(disagreements.some((d) => d.packet.family === 6 && d.expected.reason === "default")).toBe(true);
    expect(disagreements.every((d) => d.packet.family === 6)).toBe(true);
  });
});
