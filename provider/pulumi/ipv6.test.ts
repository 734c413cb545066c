/**
 * IPv6 through the dynamic providers against a real core (in-process API on
 * PGlite): check stores RFC 5952 text, so IPv6 written in another spelling
 * never diffs against what the API returns; ICMPv6 (58) and the family checks
 * come from core/model's validator. API only: no site, nothing compiled.
 */
import { dynamicProvider } from "./provider";
import { startCore, type Core } from "../../test/support/pulumi-core";

jest.setTimeout(20_000);

const groups = dynamicProvider("securityGroup");
const lists = dynamicProvider("prefixList");

const config = (values: Record<string, string>) => ({
  get: (key: string) => values[key],
  require: (key: string) => values[key],
});

let core: Core;
beforeAll(async () => {
  core = await startCore({ syncTimeoutMs: 60_000 });
  await groups.configure!({ config: config({ "secgroups:endpoint": core.endpoint, "secgroups:token": core.token }) });
}, 60_000);
afterAll(async () => {
  await core.close();
});

const dualStack = {
  name: "dual",
  rules: [
    { direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https v4" },
    { direction: "inbound", order: 11, protocol: 6, port: "443", address: "::/0", description: "https v6" },
    {
      direction: "inbound",
      order: 20,
      protocol: 58,
      port: "",
      address: "2001:DB8:0::/32",
      icmp_type: 128,
      icmp_code: 0,
      description: "ping6",
    },
    { direction: "outbound", order: 100, protocol: 0, port: "", address: "0:0:0:0:0:0:0:0/0", description: "all out v6" },
  ],
  sites: [],
};

async function checked(provider: typeof groups, news: Record<string, unknown>) {
  const result = await provider.check!({}, news);
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("IPv6", () => {
  it("checks IPv6 rules into RFC 5952 text, and what the API returns diffs as unchanged", async () => {
    const inputs = await checked(groups, dualStack);
    expect((inputs.rules as { address: string }[]).map((r) => r.address)).toEqual(["0.0.0.0/0", "::/0", "2001:db8::/32", "::/0"]);
    const created = await groups.create(inputs);
    expect(created.outs.rules.map((r: { address: string }) => r.address)).toEqual(["0.0.0.0/0", "::/0", "2001:db8::/32", "::/0"]);
    expect(created.outs.rules[2]).toMatchObject({ protocol: 58, icmp_type: 128, icmp_code: 0 });
    // The next preview checks the same program again: no perpetual diff.
    const again = await checked(groups, dualStack);
    expect(await groups.diff!(created.id, created.outs, again)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    // A refresh reads the API's text back; still no diff against the program.
    const read = await groups.read!(created.id, created.outs);
    expect(await groups.diff!(created.id, read.props, again)).toMatchObject({ changes: false });
    // Another network is a change.
    const moved = await checked(groups, { ...dualStack, rules: [{ ...dualStack.rules[2], address: "2001:db9::/32" }] });
    expect(await groups.diff!(created.id, read.props, moved)).toMatchObject({ changes: true, replaces: [] });
    await groups.delete!(created.id, read.props);
  });

  it("holds both families in one prefix list, stored and diffed in canonical form", async () => {
    const news = { name: "office", prefixes: [{ cidr: "203.0.113.0/24" }, { cidr: "2001:DB8:0:0:AB::/80", description: "v6" }], sites: [] };
    const inputs = await checked(lists, news);
    expect(inputs.prefixes).toEqual([
      { cidr: "203.0.113.0/24", description: null },
      { cidr: "2001:db8:0:0:ab::/80", description: "v6" },
    ]);
    const created = await lists.create(inputs);
    expect(created.outs.prefixes.map((p: { cidr: string }) => p.cidr)).toEqual(["203.0.113.0/24", "2001:db8:0:0:ab::/80"]);
    expect(await lists.diff!(created.id, created.outs, await checked(lists, news))).toMatchObject({ changes: false });
    // The same network written twice in two spellings is one prefix listed twice.
    const twice = await lists.check!({}, { ...news, prefixes: [{ cidr: "2001:db8::/32" }, { cidr: "2001:DB8::/32" }] });
    expect(twice.failures).toEqual([
      { property: "prefixes[1].cidr", reason: expect.stringMatching(/2001:db8::\/32 is already listed at prefixes\[0\]/) },
    ]);
    await lists.delete!(created.id, created.outs);
  });

  it("refuses ICMP against the wrong family, host bits, zone ids and IPv4-mapped text with the API's messages", async () => {
    const result = await groups.check!(
      {},
      {
        name: "bad",
        sites: [],
        rules: [
          { direction: "inbound", order: 1, protocol: 1, port: "", address: "2001:db8::/32", description: "icmp v6" },
          { direction: "inbound", order: 2, protocol: 58, port: "", address: "10.0.0.0/8", description: "icmpv6 v4" },
          { direction: "inbound", order: 3, protocol: 0, port: "", address: "2001:db8::1/64", description: "host bits" },
          { direction: "inbound", order: 4, protocol: 0, port: "", address: "fe80::1%eth0/64", description: "zone" },
          { direction: "inbound", order: 5, protocol: 0, port: "", address: "::ffff:10.0.0.0/104", description: "mapped" },
        ],
      },
    );
    const byProperty = Object.fromEntries((result.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty).toEqual({
      "rules[0].protocol": "protocol 1 (icmp) is IPv4 only; use protocol 58 (ipv6-icmp) with the IPv6 address 2001:db8::/32",
      "rules[1].protocol": "protocol 58 (ipv6-icmp) is IPv6 only; use protocol 1 (icmp) with the IPv4 address 10.0.0.0/8",
      "rules[2].address": '"2001:db8::1/64" has host bits set; did you mean 2001:db8::/64?',
      "rules[3].address": '"fe80::1%eth0/64": zone ids are not allowed in a CIDR',
      "rules[4].address": '"::ffff:10.0.0.0/104" is an IPv4-mapped address; write the IPv4 CIDR 10.0.0.0/8',
    });
  });
});
