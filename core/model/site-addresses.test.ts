/** Site addresses: the effective-address rule, and what a site's agent may report (and what a stolen token may not). */
import { effectiveAddresses, sameAddresses } from "./site-addresses";
import { validateAgentAddresses, validateSiteWrite } from "./validate";

const issuesOf = (result: { ok: boolean; issues?: { path: string; code: string; message: string }[] }) =>
  result.ok ? [] : result.issues!.map((i) => [i.path, i.code, i.message]);

describe("effective addresses", () => {
  it("are the declared ones when any, else the reported ones", () => {
    expect(effectiveAddresses({ addresses: ["10.0.1.0/24"], reported_addresses: ["10.0.1.5/32"] })).toEqual(["10.0.1.0/24"]);
    expect(effectiveAddresses({ addresses: [], reported_addresses: ["10.0.1.5/32"] })).toEqual(["10.0.1.5/32"]);
    expect(effectiveAddresses({ addresses: [], reported_addresses: [] })).toEqual([]);
  });

  it("compare as sets", () => {
    expect(sameAddresses(["a", "b"], ["b", "a"])).toBe(true);
    expect(sameAddresses(["a"], ["a", "b"])).toBe(false);
    expect(sameAddresses(["a", "b"], ["a", "c"])).toBe(false);
  });
});

describe("declared site addresses", () => {
  const site = (addresses: unknown) => validateSiteWrite({ name: "web-1", platform: "nftables", addresses });

  it("default to [] and keep any CIDR of either family, IPv6 in RFC 5952 text", () => {
    expect(validateSiteWrite({ name: "web-1", platform: "nftables" })).toEqual({
      ok: true,
      value: { name: "web-1", platform: "nftables", mode: "host", addresses: [] },
    });
    expect(site(["10.0.1.0/24", "2001:DB8:0:0::5/128", "10.0.2.7/32"])).toMatchObject({
      ok: true,
      value: { addresses: ["10.0.1.0/24", "2001:db8::5/128", "10.0.2.7/32"] },
    });
  });

  it("are refused with the field path: host bits, syntax, duplicates (after canonical form), too many", () => {
    expect(issuesOf(site(["10.0.1.0/24", "10.0.1.5/24", "nope", "2001:db8::5/128", "2001:DB8::5/128"]))).toEqual([
      ["addresses[1]", "invalid_cidr", 'addresses[1]: "10.0.1.5/24" has host bits set; did you mean 10.0.1.0/24?'],
      ["addresses[2]", "invalid_cidr", 'addresses[2]: "nope" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32'],
      ["addresses[4]", "duplicate_value", "addresses[4]: 2001:db8::5/128 is already listed at addresses[3]"],
    ]);
    const many = Array.from({ length: 65 }, (_, i) => `10.0.0.${i}/32`);
    expect(issuesOf(site(many))).toEqual([["addresses", "too_many_items", expect.stringMatching(/^addresses: .*64/)]]);
    expect(issuesOf(site("10.0.0.0/8"))).toEqual([["addresses", "parameter_invalid", expect.stringMatching(/^addresses: must be/)]]);
    expect(issuesOf(site([7]))).toEqual([["addresses[0]", "parameter_invalid", expect.stringMatching(/^addresses\[0\]: must be/)]]);
  });

  it("echoed reported_addresses are ignored", () => {
    expect(validateSiteWrite({ name: "web-1", platform: "nftables", reported_addresses: ["0.0.0.0/0"] })).toMatchObject({
      ok: true,
      value: { addresses: [] },
    });
  });
});

describe("an agent's address report", () => {
  const report = (addresses: unknown) => validateAgentAddresses({ addresses });

  it("takes global unicast host addresses of both families, canonical", () => {
    expect(report(["10.0.1.5/32", "203.0.113.9/32", "2001:DB8::5/128", "fd00::1/128"])).toEqual({
      ok: true,
      value: { addresses: ["10.0.1.5/32", "203.0.113.9/32", "2001:db8::5/128", "fd00::1/128"] },
    });
    expect(report([])).toEqual({ ok: true, value: { addresses: [] } });
  });

  // What a stolen site token would try: every one refused, naming the entry.
  it.each([
    ["0.0.0.0/0", /is a network; an agent reports single host addresses only \(\/32\)/],
    ["::/0", /is a network; an agent reports single host addresses only \(\/128\)/],
    ["10.0.0.0/8", /is a network/],
    ["10.0.1.4/31", /is a network/],
    ["0.0.0.0/32", /is unspecified/],
    ["::/128", /is unspecified/],
    ["127.0.0.1/32", /is loopback/],
    ["::1/128", /is loopback/],
    ["169.254.10.1/32", /is link-local/],
    ["fe80::1/128", /is link-local/],
    ["224.0.0.1/32", /is multicast/],
    ["ff02::1/128", /is multicast/],
    ["255.255.255.255/32", /is reserved or broadcast/],
  ])("refuses %s", (address, message) => {
    const issues = issuesOf(report(["10.0.1.5/32", address]));
    expect(issues).toEqual([["addresses[1]", "parameter_invalid", expect.stringMatching(message)]]);
    expect(issues[0][2]).toMatch(/^addresses\[1\]: /);
  });

  it("refuses bare addresses, garbage, duplicates and more than 64 entries", () => {
    expect(issuesOf(report(["10.0.1.5"]))).toEqual([
      ["addresses[0]", "invalid_cidr", expect.stringMatching(/did you mean 10.0.1.5\/32\?/)],
    ]);
    expect(issuesOf(report(["10.0.1.5/32", "10.0.1.5/32"]))).toEqual([
      ["addresses[1]", "duplicate_value", "addresses[1]: 10.0.1.5/32 is already listed at addresses[0]"],
    ]);
    const many = Array.from({ length: 65 }, (_, i) => `10.0.0.${i + 1}/32`);
    expect(issuesOf(report(many))).toEqual([["addresses", "too_many_items", expect.any(String)]]);
    expect(issuesOf(validateAgentAddresses({}))).toEqual([["addresses", "parameter_missing", expect.any(String)]]);
    // Fields it does not know are ignored, as in every agent message (newer agents, older control planes).
    expect(validateAgentAddresses({ addresses: [], extra: 1 })).toEqual({ ok: true, value: { addresses: [] } });
  });
});
