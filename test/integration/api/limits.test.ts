/** Every limit of the contract on both sides of its bound, on both engines. */
import { ENGINES, expectError, rule, useCore, type Response } from "../../support/core";

const GROUPS = "/vpc/security-groups";
const LISTS = "/vpc/prefix-lists";

function group(extra: Record<string, unknown> = {}) {
  return { name: "limits", rules: [rule(1)], sites: [], ...extra };
}

/** A 422 whose message names the field path. */
function expect422(res: Response, path: string, text?: string | RegExp) {
  expectError(res, 422);
  expect(res.json.message).toContain(`${path}:`);
  if (text !== undefined) expect(res.json.message).toMatch(text);
}

const rules = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => rule(i + 1, extra(i)));

describe.each(ENGINES)("limits (%s)", (engine) => {
  const t = useCore(engine);
  const post = (body: unknown) => t.core.post(GROUPS, body);

  describe("security group name 3-255 characters", () => {
    it.each([
      ["3 ASCII", "abc"],
      ["255 ASCII", "n".repeat(255)],
      ["3 multi-byte (emoji, astral)", "🔥🔥🔥"],
      ["255 multi-byte", "ü".repeat(254) + "😀"],
    ])("accepts %s", async (_, name) => {
      const res = await post(group({ name }));
      expect(res.status).toBe(201);
      expect(res.json.name).toBe(name);
    });
    it.each([
      ["2 ASCII", "ab"],
      ["256 ASCII", "n".repeat(256)],
      ["2 astral characters (4 UTF-16 units)", "😀😀"],
      ["256 multi-byte", "ü".repeat(255) + "😀"],
      ["empty", ""],
    ])("refuses %s", async (_, name) => {
      expect422(await post(group({ name })), "name");
    });
    it("refuses a missing, null or numeric name", async () => {
      expect422(await post({ rules: [], sites: [] }), "name", /required/);
      expect422(await post(group({ name: null })), "name");
      expect422(await post(group({ name: 12345 })), "name");
    });
  });

  describe("group description <= 1024", () => {
    it("accepts 1024 (multi-byte) and null", async () => {
      expect((await post(group({ description: "é".repeat(1024) }))).status).toBe(201);
      expect((await post(group({ description: null }))).status).toBe(201);
    });
    it("refuses 1025", async () => {
      expect422(await post(group({ description: "d".repeat(1025) })), "description");
    });
  });

  describe("rules <= 250, order 1-250 unique", () => {
    it("accepts 250 rules", async () => {
      const res = await post(group({ rules: rules(250) }));
      expect(res.status).toBe(201);
      expect(res.json.rules).toHaveLength(250);
    });
    it("refuses 251 rules with 422", async () => {
      expect422(await post(group({ rules: [...rules(250), rule(250)] })), "rules", /250/);
    });
    it("accepts an empty rule list; refuses missing rules or sites", async () => {
      expect((await post(group({ rules: [] }))).status).toBe(201);
      expect422(await post({ name: "abc", sites: [] }), "rules");
      expect422(await post({ name: "abc", rules: [] }), "sites");
    });
    it.each([1, 250])("accepts order %d", async (order) => {
      expect((await post(group({ rules: [rule(order)] }))).status).toBe(201);
    });
    it.each([0, 251, -1, 1.5, "1", null])("refuses order %p", async (order) => {
      expect422(await post(group({ rules: [rule(1), rule(2), rule(3, { order })] })), "rules[2].order");
    });
    it("refuses a duplicate order", async () => {
      expect422(await post(group({ rules: [rule(5), rule(6), rule(5)] })), "rules[2].order", /unique|already/);
    });
  });

  describe("direction", () => {
    it.each(["inbound", "outbound"])("accepts %s", async (direction) => {
      expect((await post(group({ rules: [rule(1, { direction })] }))).status).toBe(201);
    });
    it.each(["Inbound", "in", "", null, 1, "egress"])("refuses %p", async (direction) => {
      expect422(await post(group({ rules: [rule(1, { direction })] })), "rules[0].direction");
    });
  });

  describe("protocol 0-255 integer", () => {
    it.each([0, 1, 6, 17, 47, 255])("accepts %d", async (protocol) => {
      const port = protocol === 6 || protocol === 17 ? "80" : "";
      const res = await post(group({ rules: [rule(1, { protocol, port })] }));
      expect(res.status).toBe(201);
      expect(res.json.rules[0].protocol).toBe(protocol);
    });
    // Names are lower case exactly ("tcp" is 6: see ranges-names.test.ts).
    it.each([-1, 256, 6.5, "6", "TCP", "ip", null, true, [6]])("refuses %p", async (protocol) => {
      expect422(await post(group({ rules: [rule(1, { protocol, port: "" })] })), "rules[0].protocol");
    });
  });

  describe("ports", () => {
    it.each([
      [6, "1-65535", "1-65535"],
      [6, "1", "1"],
      [6, "65535", "65535"],
      [17, "53, 5353", "53,5353"],
      [6, "  22  ", "22"],
      [6, "8000-8000", "8000"],
      [6, "100-200,150-250", "100-250"],
    ])("accepts protocol %d port %p as %p", async (protocol, port, normalized) => {
      const res = await post(group({ rules: [rule(1, { protocol, port })] }));
      expect(res.status).toBe(201);
      expect(res.json.rules[0].port).toBe(normalized);
    });
    it.each([
      [6, "", /required/],
      [17, "   ", /required/],
      [6, "0", /out of range/],
      [6, "65536", /out of range/],
      [6, "0-80", /out of range/],
      [6, "2048-1024", /reversed; did you mean "1024-2048"/],
      [6, "80,", /not a port/],
      [6, "http", /not a port/],
      [6, "80;443", /not a port/],
      [6, "-80", /not a port/],
      [6, "1e3", /not a port/],
      [6, "١٢٣", /not a port/], // Arabic-Indic digits
      [1, "80", /must be ""/],
      [0, "443", /must be ""/],
      [47, "1-65535", /must be ""/],
    ])("refuses protocol %d port %p", async (protocol, port, message) => {
      expect422(await post(group({ rules: [rule(1), rule(2, { protocol, port })] })), "rules[1].port", message);
    });
    it("refuses a missing or non-string port", async () => {
      const { port: _omit, ...noPort } = rule(1);
      expect422(await post(group({ rules: [noPort] })), "rules[0].port", /required/);
      expect422(await post(group({ rules: [rule(1, { port: 443 })] })), "rules[0].port");
      expect422(await post(group({ rules: [rule(1, { port: null })] })), "rules[0].port");
    });
    it("names the rule's index in the path (rules[2].port)", async () => {
      const res = await post(group({ rules: [rule(1), rule(2), rule(3, { port: "70000" })] }));
      expect422(res, "rules[2].port");
    });
  });

  describe("addresses", () => {
    it.each(["0.0.0.0/0", "10.0.0.0/8", "255.255.255.255/32", "192.168.1.128/25", "::/0", "2001:db8::/32", "fd00::1/128"])(
      "accepts %s",
      async (address) => {
        const res = await post(group({ rules: [rule(1, { address })] }));
        expect(res.status).toBe(201);
        expect(res.json.rules[0].address).toBe(address);
      },
    );
    it("refuses host bits with the network that was meant", async () => {
      const res = await post(group({ rules: [rule(1, { address: "10.0.0.5/24" })] }));
      expect422(res, "rules[0].address", /did you mean 10\.0\.0\.0\/24\?/);
    });
    it.each([
      "10.0.0.0/33",
      "10.0.0/24",
      "256.0.0.0/8",
      "10.0.0.1",
      "01.2.3.4/32",
      "10.0.0.0/8 ",
      "",
      "prfx_lst_short",
      "2001:db8::/129",
      "2001:db8::1/64",
      "fe80::%eth0/64",
      "::ffff:10.0.0.0/104",
      "2001:db8:::/32",
      "::",
    ])("refuses %p", async (address) => {
      expect422(await post(group({ rules: [rule(1, { address })] })), "rules[0].address");
    });
    it("refuses a prefix list id that does not exist (reference_not_found)", async () => {
      const res = await post(group({ rules: [rule(1), rule(2, { address: "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw" })] }));
      expectError(res, 422, "reference_not_found");
      expect(res.json.message).toContain("rules[1].address");
    });
  });

  describe("rule description required, <= 255", () => {
    it("accepts 1 and 255 characters", async () => {
      expect((await post(group({ rules: [rule(1, { description: "x" })] }))).status).toBe(201);
      expect((await post(group({ rules: [rule(1, { description: "✓".repeat(255) })] }))).status).toBe(201);
    });
    it.each([
      ["missing", undefined],
      ["empty", ""],
      ["256", "d".repeat(256)],
      ["null", null],
      ["number", 5],
    ])("refuses %s", async (_, description) => {
      const r: Record<string, unknown> = rule(1);
      if (description === undefined) delete r.description;
      else r.description = description;
      expect422(await post(group({ rules: [r] })), "rules[0].description");
    });
  });

  describe("extensions: action, icmp_type, icmp_code, log", () => {
    it("accepts them and returns defaults when omitted", async () => {
      const res = await post(
        group({
          rules: [
            rule(1),
            rule(2, { action: "drop", log: true }),
            rule(3, { protocol: 1, port: "", icmp_type: 8, icmp_code: 0 }),
            rule(4, { protocol: 1, port: "", icmp_type: 255 }),
            rule(5, { action: "accept", log: false, icmp_type: null, icmp_code: null }),
          ],
        }),
      );
      expect(res.status).toBe(201);
      const byOrder = Object.fromEntries(res.json.rules.map((r: { order: number }) => [r.order, r]));
      expect(byOrder[1]).toMatchObject({ action: "accept", log: false, icmp_type: null, icmp_code: null });
      expect(byOrder[2]).toMatchObject({ action: "drop", log: true });
      expect(byOrder[3]).toMatchObject({ icmp_type: 8, icmp_code: 0 });
      expect(byOrder[4]).toMatchObject({ icmp_type: 255, icmp_code: null });
    });
    it.each([
      ["action", { action: "reject" }, "action"],
      ["action", { action: "DROP" }, "action"],
      ["log", { log: "true" }, "log"],
      ["log", { log: 1 }, "log"],
      ["icmp_type on TCP", { icmp_type: 8 }, "icmp_type"],
      ["icmp_type 256", { protocol: 1, port: "", icmp_type: 256 }, "icmp_type"],
      // -1 means any (stored null); below that is out of range.
      ["icmp_type -2", { protocol: 1, port: "", icmp_type: -2 }, "icmp_type"],
      ["icmp_type float", { protocol: 1, port: "", icmp_type: 8.5 }, "icmp_type"],
      ["icmp_code without type", { protocol: 1, port: "", icmp_code: 0 }, "icmp_code"],
      ["icmp_code 256", { protocol: 1, port: "", icmp_type: 3, icmp_code: 256 }, "icmp_code"],
      ["unknown field", { priority: 1 }, "priority"],
    ])("refuses %s", async (_, extra, field) => {
      expect422(await post(group({ rules: [rule(1, extra)] })), `rules[0].${field}`);
    });
  });

  describe("sites", () => {
    it("must exist in the organization", async () => {
      const res = await post(group({ sites: ["site_0ujsswThIGTUYm2K8FjOOfxcYpw"] }));
      expectError(res, 422, "reference_not_found");
      expect(res.json.message).toContain("sites[0]");
    });
    it("must be site ids, listed once", async () => {
      expect422(await post(group({ sites: ["site_12345"] })), "sites[0]");
      expect422(await post(group({ sites: [42] })), "sites[0]");
      const s = await t.core.createSite();
      expect422(await post(group({ sites: [s.id, s.id] })), "sites[1]", /twice/);
    });
  });

  describe("top level", () => {
    it.each([[[]], ["a string"], [42], [null]])("refuses body %p", async (body) => {
      expectError(await post(body), 422);
    });
    it("refuses unknown fields and names them", async () => {
      expect422(await post(group({ colour: "red" })), "colour");
    });
    it("reports every problem in errors[] when there are several", async () => {
      const res = await post({ name: "x", rules: [rule(1, { port: "0" }), rule(2), rule(2)], sites: ["nope"] });
      expectError(res, 422);
      const paths = res.json.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(["name", "rules[0].port", "rules[2].order", "sites[0]"]));
    });
  });

  describe("prefix lists", () => {
    const list = (extra: Record<string, unknown> = {}) => ({ name: "pl", prefixes: [{ cidr: "10.0.0.0/8" }], ...extra });
    const postList = (body: unknown) => t.core.post(LISTS, body);

    it("description <= 1000", async () => {
      expect((await postList(list({ description: "ж".repeat(1000) }))).status).toBe(201);
      expect422(await postList(list({ description: "d".repeat(1001) })), "description");
    });
    it("name 1-255", async () => {
      expect((await postList(list({ name: "n".repeat(255) }))).status).toBe(201);
      expect422(await postList(list({ name: "n".repeat(256) })), "name");
      expect422(await postList(list({ name: "" })), "name");
    });
    it("<= 500 prefixes", async () => {
      const cidrs = (n: number) => Array.from({ length: n }, (_, i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/24` }));
      const ok = await postList(list({ prefixes: cidrs(500) }));
      expect(ok.status).toBe(201);
      expect(ok.json.prefixes).toHaveLength(500);
      expect422(await postList(list({ prefixes: cidrs(501) })), "prefixes", /500/);
    });
    it("CIDR text <= 91 characters: the longest IPv6 range (dotted quads at both ends) fits, one more does not", async () => {
      const longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.253-ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
      expect(longest).toHaveLength(91);
      const ok = await postList(list({ prefixes: [{ cidr: longest }] }));
      expect(ok.status).toBe(201);
      expect(ok.json.prefixes[0].cidr).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
      // The longest CIDR fits too.
      const cidr = await postList(list({ prefixes: [{ cidr: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" }] }));
      expect(cidr.json.prefixes[0].cidr).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
      expect422(await postList(list({ prefixes: [{ cidr: "0" + longest }] })), "prefixes[0].cidr", /91/);
    });
    it("refuses duplicates and host bits", async () => {
      expect422(await postList(list({ prefixes: [{ cidr: "10.0.0.0/8" }, { cidr: "10.0.0.0/8" }] })), "prefixes[1].cidr", /already/);
      expect422(await postList(list({ prefixes: [{ cidr: "10.0.0.1/24" }] })), "prefixes[0].cidr", /did you mean 10\.0\.0\.0\/24\?/);
    });
    it("prefix description <= 255; sites must exist", async () => {
      expect((await postList(list({ prefixes: [{ cidr: "10.0.0.0/8", description: "p".repeat(255) }] }))).status).toBe(201);
      expect422(await postList(list({ prefixes: [{ cidr: "10.0.0.0/8", description: "p".repeat(256) }] })), "prefixes[0].description");
      expectError(await postList(list({ sites: ["site_0ujsswThIGTUYm2K8FjOOfxcYpw"] })), 422, "reference_not_found");
    });
  });

  describe("sites resource", () => {
    it("platform must be one of nftables, iptables, routeros", async () => {
      for (const platform of ["nftables", "iptables", "routeros"]) {
        expect((await t.core.post("/vpc/sites", { name: "s", platform })).status).toBe(201);
      }
      expect422(await t.core.post("/vpc/sites", { name: "s", platform: "pf" }), "platform");
      expect422(await t.core.post("/vpc/sites", { name: "", platform: "nftables" }), "name");
    });
  });
});
