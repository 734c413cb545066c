/**
 * Address ranges, protocol names and ICMP -1 through the API on both engines:
 * ranges stored canonical (a range that is exactly one CIDR as that CIDR,
 * IPv6 in RFC 5952 text) in rules and prefix lists; names and -1 stored and
 * returned as numbers and null; refusals are 422s naming the field, never a
 * 5xx, and a refused write changes nothing.
 */
import { ENGINES, expectError, rule, useCore, type Response } from "../../support/core";

const GROUPS = "/vpc/security-groups";
const LISTS = "/vpc/prefix-lists";

const group = (rules: unknown[]) => ({ name: "ranges", rules, sites: [] });
const list = (cidrs: string[]) => ({ name: "ranges", prefixes: cidrs.map((cidr) => ({ cidr })), sites: [] });

function expect422(res: Response, path: string, text: RegExp) {
  expectError(res, 422);
  const messages = [res.json.message, ...(res.json.errors ?? []).map((e: { message: string }) => e.message)].join("\n");
  expect(messages).toContain(`${path}:`);
  expect(messages).toMatch(text);
}

describe.each(ENGINES)("address ranges and protocol names (%s)", (engine) => {
  const t = useCore(engine);

  it("stores rule ranges canonical: one-CIDR ranges as the CIDR, IPv6 in RFC 5952 text, on POST, PUT and GET", async () => {
    const created = await t.core.post(
      GROUPS,
      group([
        rule(1, { address: "10.0.0.1-10.0.0.9" }),
        rule(2, { address: "10.0.1.0-10.0.1.255" }),
        rule(3, { address: "2001:DB8::1-2001:0db8:0:0:0:0:0:9" }),
        rule(4, { address: "2001:db8::-2001:db8::ffff" }),
      ]),
    );
    expect(created.status).toBe(201);
    const stored = ["10.0.0.1-10.0.0.9", "10.0.1.0/24", "2001:db8::1-2001:db8::9", "2001:db8::/112"];
    expect(created.json.rules.map((r: { address: string }) => r.address)).toEqual(stored);
    const id = created.json.id;
    expect((await t.core.get(`${GROUPS}/${id}`)).json.rules.map((r: { address: string }) => r.address)).toEqual(stored);
    const put = await t.core.put(`${GROUPS}/${id}`, group([rule(1, { address: "192.0.2.10-192.0.2.20" })]));
    expect(put.status).toBe(200);
    expect(put.json.rules[0].address).toBe("192.0.2.10-192.0.2.20");
  });

  it("stores prefix-list ranges canonical and finds duplicates on the stored text", async () => {
    const created = await t.core.post(LISTS, list(["203.0.113.5-203.0.113.77", "198.51.100.0-198.51.100.127", "2001:DB8::5-2001:db8::17"]));
    expect(created.status).toBe(201);
    expect(created.json.prefixes.map((p: { cidr: string }) => p.cidr)).toEqual([
      "203.0.113.5-203.0.113.77",
      "198.51.100.0/25",
      "2001:db8::5-2001:db8::17",
    ]);
    const duplicate = await t.core.post(LISTS, list(["198.51.100.0/25", "198.51.100.0-198.51.100.127"]));
    expect422(duplicate, "prefixes[1].cidr", /198\.51\.100\.0\/25 is already listed at prefixes\[0\]/);
    // The longest text the parser takes fits the limit.
    const longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254-ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
    const long = await t.core.post(LISTS, list([longest]));
    expect(long.status).toBe(201);
    expect(long.json.prefixes[0].cidr).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
  });

  it("takes protocol names and ICMP -1 on write and returns numbers and null", async () => {
    const created = await t.core.post(
      GROUPS,
      group([
        rule(1, { protocol: "tcp", port: "22" }),
        rule(2, { protocol: "udp", port: "53" }),
        rule(3, { protocol: "icmp", port: "", icmp_type: -1, icmp_code: -1 }),
        rule(4, { protocol: "ipv6-icmp", port: "", address: "2001:db8::/32", icmp_type: 128, icmp_code: -1 }),
        rule(5, { protocol: "icmpv6", port: "", address: "::/0" }),
        rule(6, { protocol: "all", port: "" }),
      ]),
    );
    expect(created.status).toBe(201);
    const rules = created.json.rules.map((r: { protocol: number; icmp_type: number | null; icmp_code: number | null }) => [
      r.protocol,
      r.icmp_type,
      r.icmp_code,
    ]);
    expect(rules).toEqual([
      [6, null, null],
      [17, null, null],
      [1, null, null],
      [58, 128, null],
      [58, null, null],
      [0, null, null],
    ]);
    const read = await t.core.get(`${GROUPS}/${created.json.id}`);
    expect(read.json.rules.map((r: { protocol: number }) => r.protocol)).toEqual([6, 17, 1, 58, 58, 0]);
  });

  it("refuses bad ranges, names and ICMP values with 422s that name the field, and a refused PUT changes nothing", async () => {
    const created = await t.core.create(GROUPS, group([rule(1, { address: "10.0.0.1-10.0.0.9" })]));
    const before = await t.core.get(`${GROUPS}/${created.id}`);
    const cases: [unknown, string, RegExp][] = [
      [rule(1, { address: "10.0.0.9-10.0.0.1" }), "rules[0].address", /runs backwards.*did you mean 10\.0\.0\.1-10\.0\.0\.9\?/],
      [rule(1, { address: "10.0.0.1-2001:db8::1" }), "rules[0].address", /mixes IPv4 and IPv6/],
      [rule(1, { address: "10.0.0.1 - 10.0.0.9" }), "rules[0].address", /without spaces/],
      [rule(1, { address: "10.0.0.0/24-10.0.1.0" }), "rules[0].address", /without a prefix length/],
      [rule(1, { address: "::ffff:10.0.0.1-::ffff:10.0.0.9" }), "rules[0].address", /write the IPv4 range 10\.0\.0\.1-10\.0\.0\.9/],
      [rule(1, { protocol: "TCP" }), "rules[0].protocol", /did you mean "tcp"\?/],
      [rule(1, { protocol: "gopher" }), "rules[0].protocol", /an integer from 0 to 255 or one of "all", "icmp", "tcp"/],
      [rule(1, { protocol: "icmp", port: "", address: "2001:db8::1-2001:db8::9" }), "rules[0].protocol", /IPv4 only/],
      [rule(1, { protocol: "icmp", port: "", icmp_type: -2 }), "rules[0].icmp_type", /from -1 to 255/],
      [rule(1, { protocol: "icmp", port: "", icmp_type: -1, icmp_code: 3 }), "rules[0].icmp_code", /needs icmp_type/],
      [rule(1, { protocol: "tcp", icmp_type: 8 }), "rules[0].icmp_type", /only applies to ICMP rules/],
    ];
    for (const [bad, path, text] of cases) {
      const res = await t.core.put(`${GROUPS}/${created.id}`, group([bad]));
      expect422(res, path, text);
    }
    const after = await t.core.get(`${GROUPS}/${created.id}`);
    expect(after.json).toEqual(before.json);

    const listRes = await t.core.post(LISTS, list(["10.0.0.1-10.0.0.9", "2001:db8::9-2001:db8::1"]));
    expect422(listRes, "prefixes[1].cidr", /runs backwards/);
    const tooLong = await t.core.post(LISTS, list([`${"1".repeat(50)}-${"2".repeat(45)}`]));
    expect422(tooLong, "prefixes[0].cidr", /at most 91 characters/);
  });
});
