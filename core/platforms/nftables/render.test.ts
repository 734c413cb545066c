import { ESSENTIAL_ICMPV6, normalizePolicy, type PolicyDocumentInput } from "../../policy";
import { controlPlaneElements, renderNftables } from "./render";

const LIST = "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw";
const GROUP = "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw";

type RuleFields = { protocol: number; address: string } & Record<string, unknown>;

function doc(rules: RuleFields[], prefixes: string[] = []): PolicyDocumentInput {
  return {
    prefix_lists: [{ id: LIST, name: "office", prefixes: prefixes.map((cidr) => ({ cidr })) }],
    security_groups: [
      {
        id: GROUP,
        name: "web",
        rules: rules.map((r, i) => ({ direction: "inbound", order: 10 * (i + 1), port: "", description: "d", ...r })),
      },
    ],
  } as unknown as PolicyDocumentInput;
}

const render = (d: PolicyDocumentInput, mode: "host" | "router" = "host") => renderNftables(normalizePolicy(d, { mode }));
/** The rule lines of one chain, tabs stripped. */
function chain(text: string, name: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(`\tchain ${name} {`);
  if (start < 0) throw new Error(`no chain ${name}`);
  const end = lines.indexOf("\t}", start);
  return lines.slice(start + 1, end).map((l) => l.trim());
}
const ruleOf = (text: string, order: number) =>
  text
    .split("\n")
    .filter((l) => l.includes(`comment "${GROUP}:${order}"`))
    .map((l) => l.trim());

describe("nftables render, IPv6", () => {
  test("every base chain jumps to the essential ICMPv6 messages right after loopback, before connection state", () => {
    const text = render(doc([{ protocol: 6, port: "443", address: "0.0.0.0/0" }]), "router");
    for (const hook of ["input", "output", "forward"]) {
      const rules = chain(text, hook).slice(1);
      const jump = rules.indexOf("meta l4proto ipv6-icmp jump essential_icmpv6");
      expect({ hook, jump }).toEqual({ hook, jump: hook === "forward" ? 0 : 1 });
      expect(rules.findIndex((l) => l.startsWith("ct state"))).toBe(jump + 1);
    }
    // Exactly the list of core/policy/icmpv6.ts, codes as one range each.
    expect(chain(text, "essential_icmpv6")).toEqual(
      ESSENTIAL_ICMPV6.map(
        (m) =>
          `icmpv6 type ${m.type}${m.codes ? ` icmpv6 code ${m.codes.length > 1 ? `${m.codes[0]}-${m.codes[m.codes.length - 1]}` : m.codes[0]}` : ""} accept`,
      ),
    );
  });

  test("an IPv4-only policy renders no IPv6 rule and no IPv6 list set; the IPv6 control-plane set is declared empty", () => {
    const text = render(doc([{ protocol: 6, port: "22", address: LIST }], ["203.0.113.0/24"]));
    expect(text).not.toMatch(/ip6 [sd]addr [^.]|meta nfproto ipv6|prfx_lst_\w+_6/);
    expect(ruleOf(text, 10)).toEqual([`ip protocol tcp ip saddr @${LIST} tcp dport 22 accept comment "${GROUP}:10"`]);
    expect(text).toContain("\tset control_plane_6 {\n\t\ttype ipv6_addr . inet_service\n\t}\n");
    expect(chain(text, "output")).toContain("ip6 daddr . tcp dport @control_plane_6 accept");
  });

  test("IPv6 CIDRs: ip6 saddr inbound, ip6 daddr outbound, ports and ICMPv6 type and code; ::/0 as meta nfproto ipv6", () => {
    const text = render(
      doc([
        { protocol: 6, port: "22, 80-81", address: "2001:db8::/32" },
        { protocol: 17, port: "53", address: "::/0" },
        { protocol: 58, icmp_type: 128, icmp_code: 0, address: "fd00::1/128" },
        { protocol: 58, icmp_type: 1, address: "::/0" },
        { protocol: 58, address: "::/0" },
        { protocol: 50, address: "fd00::/8", action: "drop" },
        { protocol: 0, address: "::/0", log: true },
        { direction: "outbound", protocol: 6, port: "443", address: "2001:db8:1::/48" },
      ]),
    );
    expect([1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => ruleOf(text, 10 * n))).toEqual([
      `ip6 saddr 2001:db8::/32 tcp dport { 22, 80-81 } accept comment "${GROUP}:10"`,
      `meta nfproto ipv6 udp dport 53 accept comment "${GROUP}:20"`,
      `ip6 saddr fd00::1/128 icmpv6 type 128 icmpv6 code 0 accept comment "${GROUP}:30"`,
      `icmpv6 type 1 accept comment "${GROUP}:40"`,
      `meta l4proto ipv6-icmp meta nfproto ipv6 accept comment "${GROUP}:50"`,
      `meta l4proto 50 ip6 saddr fd00::/8 drop comment "${GROUP}:60"`,
      `meta nfproto ipv6 log prefix "secgroups ${GROUP}:70 " accept comment "${GROUP}:70"`,
      `ip6 daddr 2001:db8:1::/48 tcp dport 443 accept comment "${GROUP}:80"`,
    ]);
  });

  test("a prefix-list rule renders once per family the list holds members of, each against that family's set", () => {
    const mixed = render(
      doc(
        [
          { protocol: 6, port: "22", address: LIST },
          { protocol: 1, address: LIST },
        ],
        ["203.0.113.0/24", "2001:db8::/48"],
      ),
    );
    expect(ruleOf(mixed, 10)).toEqual([
      `ip protocol tcp ip saddr @${LIST} tcp dport 22 accept comment "${GROUP}:10"`,
      `ip6 saddr @${LIST}_6 tcp dport 22 accept comment "${GROUP}:10"`,
    ]);
    // ICMP exists only in IPv4.
    expect(ruleOf(mixed, 20)).toEqual([`ip protocol icmp ip saddr @${LIST} accept comment "${GROUP}:20"`]);
    expect(mixed).toContain(`\tset ${LIST} {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 203.0.113.0/24 }\n\t}\n`);
    expect(mixed).toContain(`\tset ${LIST}_6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = { 2001:db8::/48 }\n\t}\n`);

    const v6only = render(doc([{ protocol: 6, port: "22", address: LIST }], ["2001:db8::/48"]));
    expect(ruleOf(v6only, 10)).toEqual([`ip6 saddr @${LIST}_6 tcp dport 22 accept comment "${GROUP}:10"`]);
    expect(v6only).not.toContain(`set ${LIST} {`);

    // ICMPv6 narrows the rule to IPv6: the list's IPv4 members play no part.
    const icmpv6 = render(doc([{ protocol: 58, icmp_type: 128, address: LIST }], ["203.0.113.0/24", "fd00::/8"]));
    expect(ruleOf(icmpv6, 10)).toEqual([`ip6 saddr @${LIST}_6 icmpv6 type 128 accept comment "${GROUP}:10"`]);
    expect(icmpv6).not.toContain(`set ${LIST} {`);

    // An empty list keeps its IPv4 rule over an empty set, as before IPv6.
    const empty = render(doc([{ protocol: 6, port: "22", address: LIST }]));
    expect(ruleOf(empty, 10)).toEqual([`ip protocol tcp ip saddr @${LIST} tcp dport 22 accept comment "${GROUP}:10"`]);
    expect(empty).toContain(`\tset ${LIST} {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n`);
  });

  test("control-plane elements go to the set of their family, IPv6 in RFC 5952 text", () => {
    expect(controlPlaneElements([])).toBe("");
    expect(controlPlaneElements([{ address: "10.77.0.1", port: 8787 }])).not.toContain("control_plane_6");
    const both = controlPlaneElements([
      { address: "10.77.0.1", port: 8787 },
      { address: "FD00:99:0::1", port: 8787 },
      { address: "fd00:99::1", port: 8787 },
    ]);
    expect(both).toBe(
      "table inet secgroups {\n" +
        "\tset control_plane {\n\t\ttype ipv4_addr . inet_service\n\t\telements = { 10.77.0.1 . 8787 }\n\t}\n" +
        "\tset control_plane_6 {\n\t\ttype ipv6_addr . inet_service\n\t\telements = { fd00:99::1 . 8787 }\n\t}\n" +
        "}\n",
    );
    expect(() => controlPlaneElements([{ address: "fd00::1%eth0", port: 8787 }])).toThrow(/invalid control-plane endpoint/);
  });
});
