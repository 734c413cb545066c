/**
 * Write-only spellings through the dynamic providers against a real core
 * (in-process API on PGlite): a protocol name, ICMP -1 and an address range
 * (one that is exactly a CIDR too) are checked into what the API stores, so
 * the program as written never diffs against what the API returns.
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

const program = {
  name: "written forms",
  rules: [
    { direction: "inbound", order: 10, protocol: "tcp", port: "443", address: "10.0.0.1-10.0.0.9", description: "https" },
    { direction: "inbound", order: 20, protocol: "icmp", port: "", address: "10.1.0.0-10.1.0.255", icmp_type: -1, description: "ping" },
    { direction: "outbound", order: 30, protocol: "all", port: "", address: "2001:DB8::1-2001:db8::9", description: "out v6" },
  ],
  sites: [],
};

async function checked(provider: typeof groups, news: Record<string, unknown>) {
  const result = await provider.check!({}, news);
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("write forms", () => {
  it("checks names, -1 and ranges into the stored form; what the API returns diffs as unchanged", async () => {
    const inputs = await checked(groups, program);
    expect(inputs.rules).toMatchObject([
      { protocol: 6, address: "10.0.0.1-10.0.0.9" },
      { protocol: 1, address: "10.1.0.0/24", icmp_type: null, icmp_code: null },
      { protocol: 0, address: "2001:db8::1-2001:db8::9" },
    ]);
    const created = await groups.create(inputs);
    expect(created.outs.rules.map((r: { protocol: number }) => r.protocol)).toEqual([6, 1, 0]);
    const again = await checked(groups, program);
    expect(await groups.diff!(created.id, created.outs, again)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const read = await groups.read!(created.id, created.outs);
    expect(await groups.diff!(created.id, read.props, again)).toMatchObject({ changes: false });
    // Another protocol, written by name, is a change.
    const udp = await checked(groups, { ...program, rules: [{ ...program.rules[0], protocol: "udp" }, ...program.rules.slice(1)] });
    expect(await groups.diff!(created.id, read.props, udp)).toMatchObject({ changes: true });
    await groups.delete!(created.id, read.props);
  });

  it("keeps prefix-list ranges as stored, and reports a bad name with the API's message", async () => {
    const news = { name: "office", prefixes: [{ cidr: "203.0.113.10-203.0.113.20" }, { cidr: "203.0.114.0-203.0.114.255" }], sites: [] };
    const inputs = await checked(lists, news);
    expect((inputs.prefixes as { cidr: string }[]).map((p) => p.cidr)).toEqual(["203.0.113.10-203.0.113.20", "203.0.114.0/24"]);
    const created = await lists.create(inputs);
    expect(await lists.diff!(created.id, created.outs, await checked(lists, news))).toMatchObject({ changes: false });
    await lists.delete!(created.id, created.outs);

    const bad = await groups.check!({}, { ...program, rules: [{ ...program.rules[0], protocol: "TCP" }] });
    expect(bad.failures).toEqual([{ property: "rules[0].protocol", reason: expect.stringMatching(/did you mean "tcp"\?/) }]);
  });
});
