import { validateSecurityGroupWrite } from "../../core/model";
import {
  BastionGroup,
  DatabaseGroup,
  DnsServerGroup,
  MonitoringGroup,
  PatternError,
  SecurityGroupPattern,
  WebServerGroup,
  type PatternSynthesis,
} from "./index";

const PL = "prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7";
const ids = { prefixListId: (key: string) => `id-of-${key}` };

function expectValid(out: PatternSynthesis): void {
  // Every pattern's output passes the one validator (with planned lists resolved to real-looking ids).
  const body = {
    ...out.securityGroup,
    rules: out.securityGroup.rules.map((r) => ({ ...r, address: r.address.startsWith("id-of-") ? PL : r.address })),
  };
  const result = validateSecurityGroupWrite(body);
  expect(result.ok ? [] : result.issues).toEqual([]);
}

describe("expansion", () => {
  it("WebServerGroup: HTTP and HTTPS from anywhere in both families and explicit outbound rules by default", () => {
    const out = new WebServerGroup({ name: "web" }).synthesize();
    expect(out.prefixLists).toEqual([]);
    const rule = (order: number, direction: string, protocol: number, port: string, address: string, description: string) => ({
      direction,
      order,
      protocol,
      port,
      address,
      description,
      action: "accept",
      icmp_type: null,
      icmp_code: null,
      log: false,
    });
    expect(out.securityGroup).toEqual({
      name: "web",
      description: null,
      sites: [],
      rules: [
        rule(10, "inbound", 6, "80", "0.0.0.0/0", "HTTP from anywhere"),
        rule(20, "inbound", 6, "443", "0.0.0.0/0", "HTTPS from anywhere"),
        rule(30, "inbound", 6, "80", "::/0", "HTTP from anywhere (IPv6)"),
        rule(40, "inbound", 6, "443", "::/0", "HTTPS from anywhere (IPv6)"),
        rule(50, "outbound", 0, "", "0.0.0.0/0", "Allow all outbound traffic"),
        rule(60, "outbound", 0, "", "::/0", "Allow all outbound IPv6 traffic"),
      ],
    });
    expectValid(out);
    // dualStack: false is the IPv4-only group.
    const v4 = new WebServerGroup({ name: "web", dualStack: false }).synthesize().securityGroup.rules;
    expect(v4.map((r) => [r.order, r.port, r.address, r.description])).toEqual([
      [10, "80", "0.0.0.0/0", "HTTP from anywhere"],
      [20, "443", "0.0.0.0/0", "HTTPS from anywhere"],
      [30, "", "0.0.0.0/0", "Allow all outbound traffic"],
    ]);
  });

  it("WebServerGroup: raw admin CIDRs become a planned prefix list referenced by one SSH rule", () => {
    const web = new WebServerGroup({ name: "web", adminSources: ["203.0.113.0/24", "198.51.100.7/32"], sites: [] });
    const out = web.synthesize(ids);
    expect(out.prefixLists).toEqual([
      {
        key: "admins",
        write: {
          name: "web-admins",
          description: "Administrators allowed to SSH into web",
          prefixes: [{ cidr: "203.0.113.0/24" }, { cidr: "198.51.100.7/32" }],
          sites: [],
        },
      },
    ]);
    const ssh = out.securityGroup.rules.filter((r) => r.port === "22");
    expect(ssh).toEqual([expect.objectContaining({ address: "id-of-admins", protocol: 6, direction: "inbound", order: 50 })]);
    expectValid(out);
  });

  it("WebServerGroup: a prefix list object or id as admin source needs no new list", () => {
    const out = new WebServerGroup({ name: "web", https: false, adminSources: [{ prefixListId: "${TfToken[TOKEN.1]}" }, PL] }).synthesize();
    expect(out.prefixLists).toEqual([]);
    expect(out.securityGroup.rules.map((r) => [r.port, r.address])).toEqual([
      ["80", "0.0.0.0/0"],
      ["80", "::/0"],
      ["22", "${TfToken[TOKEN.1]}"],
      ["22", PL],
      ["", "0.0.0.0/0"],
      ["", "::/0"],
    ]);
  });

  it("DatabaseGroup: engine port from each application source, refusing the world", () => {
    const out = new DatabaseGroup({ name: "orders-db", engine: "postgres", applicationSources: ["10.0.1.0/24", PL] }).synthesize();
    expect(out.securityGroup.rules.filter((r) => r.direction === "inbound").map((r) => [r.protocol, r.port, r.address])).toEqual([
      [6, "5432", "10.0.1.0/24"],
      [6, "5432", PL],
    ]);
    expect(
      new DatabaseGroup({ name: "orders-db", engine: "mysql", port: " 3307 ", applicationSources: ["10.0.0.0/8"] }).synthesize()
        .securityGroup.rules[0].port,
    ).toBe("3307");
    expect(() => new DatabaseGroup({ name: "orders-db", engine: "postgres", applicationSources: ["0.0.0.0/0"] })).toThrow(
      /must not be open to the world/,
    );
    expect(() => new DatabaseGroup({ name: "orders-db", engine: "postgres", applicationSources: [] })).toThrow(/at least one source/);
    expect(() => new DatabaseGroup({ name: "orders-db", engine: "oracle" as never, applicationSources: ["10.0.0.0/8"] })).toThrow(
      /engine must be one of/,
    );
  });

  it("BastionGroup: SSH only from admins", () => {
    const out = new BastionGroup({ name: "bastion", adminSources: ["192.0.2.0/24"], sshPort: "2222" }).synthesize(ids);
    expect(out.securityGroup.rules.filter((r) => r.direction === "inbound")).toEqual([
      expect.objectContaining({ protocol: 6, port: "2222", address: "id-of-admins" }),
    ]);
    expectValid(out);
  });

  it("DnsServerGroup: UDP and TCP 53", () => {
    const out = new DnsServerGroup({ name: "dns", clientSources: ["10.0.0.0/8"] }).synthesize();
    expect(out.securityGroup.rules.map((r) => [r.direction, r.protocol, r.port, r.address])).toEqual([
      ["inbound", 17, "53", "10.0.0.0/8"],
      ["inbound", 6, "53", "10.0.0.0/8"],
      ["outbound", 0, "", "0.0.0.0/0"],
      ["outbound", 0, "", "::/0"],
    ]);
    const open = new DnsServerGroup({ name: "dns" }).synthesize().securityGroup.rules.filter((r) => r.direction === "inbound");
    expect(open.map((r) => [r.protocol, r.address, r.description])).toEqual([
      [17, "0.0.0.0/0", "DNS (UDP) from anywhere"],
      [6, "0.0.0.0/0", "DNS (TCP) from anywhere"],
      [17, "::/0", "DNS (UDP) from anywhere (IPv6)"],
      [6, "::/0", "DNS (TCP) from anywhere (IPv6)"],
    ]);
  });

  it("MonitoringGroup: ICMP echo and normalized exporter ports", () => {
    const out = new MonitoringGroup({
      name: "mon",
      monitoringSources: ["10.9.0.0/16"],
      exporterPorts: [9100, "9256", "9100"],
    }).synthesize();
    expect(out.securityGroup.rules.filter((r) => r.direction === "inbound")).toEqual([
      expect.objectContaining({ protocol: 1, port: "", icmp_type: 8, icmp_code: null }),
      expect.objectContaining({ protocol: 6, port: "9100,9256" }),
    ]);
    expectValid(out);
  });

  it("outbound: none, or given rules", () => {
    const none = new WebServerGroup({ name: "web", outbound: "none" }).synthesize();
    expect(none.securityGroup.rules.some((r) => r.direction === "outbound")).toBe(false);
    const given = new WebServerGroup({
      name: "web",
      outbound: [{ protocol: 17, port: "53", address: "10.0.0.2/32", description: "DNS resolver" }],
    }).synthesize();
    expect(given.securityGroup.rules.filter((r) => r.direction === "outbound")).toEqual([
      expect.objectContaining({ protocol: 17, port: "53", address: "10.0.0.2/32", order: 50 }),
    ]);
  });
});

describe("ordering", () => {
  it("allocates in steps of 10: pattern rules, then user rules, then outbound defaults", () => {
    const web = new WebServerGroup({
      name: "web",
      rules: [{ direction: "inbound", protocol: 6, port: "8080", address: "10.0.0.0/8", description: "Alt" }],
    });
    web.allowInbound({ protocol: 6, port: "9000", address: "10.0.0.0/8", description: "Admin UI" });
    const rules = web.synthesize().securityGroup.rules;
    expect(rules.map((r) => [r.order, r.description])).toEqual([
      [10, "HTTP from anywhere"],
      [20, "HTTPS from anywhere"],
      [30, "HTTP from anywhere (IPv6)"],
      [40, "HTTPS from anywhere (IPv6)"],
      [50, "Alt"],
      [60, "Admin UI"],
      [70, "Allow all outbound traffic"],
      [80, "Allow all outbound IPv6 traffic"],
    ]);
  });

  it("keeps explicit orders and leaves room to insert between allocated rules", () => {
    const web = new WebServerGroup({ name: "web" });
    web.addRule({ direction: "inbound", order: 5, action: "drop", protocol: 0, address: "192.0.2.66/32", description: "Block abuser" });
    web.addRule({ direction: "inbound", order: 15, protocol: 6, port: "8443", address: "0.0.0.0/0", description: "Alt HTTPS" });
    expect(web.synthesize().securityGroup.rules.map((r) => r.order)).toEqual([5, 10, 15, 20, 30, 40, 50, 60]);
  });

  it("skips orders users took explicitly", () => {
    const g = new SecurityGroupPattern({ name: "app", outbound: "none" });
    g.addRule({ direction: "inbound", order: 10, protocol: 6, port: "1", address: "10.0.0.0/8", description: "fixed" });
    g.allowInbound({ protocol: 6, port: "2", address: "10.0.0.0/8", description: "auto" });
    expect(g.synthesize().securityGroup.rules.map((r) => [r.order, r.description])).toEqual([
      [10, "fixed"],
      [11, "auto"],
    ]);
  });

  it("shrinks the step when many rules would not fit, up to 250 rules", () => {
    const g = new SecurityGroupPattern({ name: "big", outbound: "none" });
    for (let i = 0; i < 250; i++) g.allowInbound({ protocol: 6, port: String(1000 + i), address: "10.0.0.0/8", description: `r${i}` });
    const orders = g.synthesize().securityGroup.rules.map((r) => r.order);
    expect(orders).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const mid = new SecurityGroupPattern({ name: "mid", outbound: "none" });
    for (let i = 0; i < 60; i++) mid.allowInbound({ protocol: 6, port: String(1000 + i), address: "10.0.0.0/8", description: `r${i}` });
    expect(
      mid
        .synthesize()
        .securityGroup.rules.slice(0, 3)
        .map((r) => r.order),
    ).toEqual([4, 8, 12]);
  });
});

describe("conflicts and errors", () => {
  it("refuses a duplicate explicit order and names both rules", () => {
    const g = new WebServerGroup({ name: "web" });
    g.addRule({ direction: "inbound", order: 7, protocol: 6, port: "1", address: "10.0.0.0/8", description: "first" });
    expect(() =>
      g.addRule({ direction: "outbound", order: 7, protocol: 6, port: "2", address: "10.0.0.0/8", description: "second" }),
    ).toThrow(
      'WebServerGroup "web": rule "second": order 7 is already used by rule "first"; choose another order or omit it to have one allocated',
    );
  });

  it("refuses more than 250 rules", () => {
    const g = new SecurityGroupPattern({ name: "big", dualStack: false }); // 1 outbound rule
    for (let i = 0; i < 249; i++) g.allowInbound({ protocol: 6, port: String(1000 + i), address: "10.0.0.0/8", description: `r${i}` });
    expect(g.ruleCount).toBe(250);
    expect(() => g.allowInbound({ protocol: 6, port: "9", address: "10.0.0.0/8", description: "one too many" })).toThrow(
      /at most 250 rules/,
    );
    expect(() => g.allowInbound({ protocol: 6, port: "9", address: "10.0.0.0/8", description: "x" })).toThrow(PatternError);
  });

  it("refuses orders out of range and when explicit orders leave no room", () => {
    expect(() =>
      new SecurityGroupPattern({ name: "app" }).addRule({
        direction: "inbound",
        order: 251,
        protocol: 0,
        address: "10.0.0.0/8",
        description: "x",
      }),
    ).toThrow(/order must be an integer from 1 to 250, got 251/);
    const g = new SecurityGroupPattern({ name: "full", outbound: "none" });
    for (let i = 1; i <= 249; i++)
      g.addRule({ direction: "inbound", order: i, protocol: 6, port: String(i), address: "10.0.0.0/8", description: `r${i}` });
    g.allowInbound({ protocol: 6, port: "9", address: "10.0.0.0/8", description: "last" });
    expect(g.synthesize().securityGroup.rules.find((r) => r.description === "last")?.order).toBe(250);
  });

  it("reports the model's validation messages with the rule that caused them", () => {
    const g = new WebServerGroup({ name: "web" });
    expect(() => g.allowInbound({ protocol: 6, port: "80", address: "10.0.0.1/8", description: "bad" })).toThrow(
      'WebServerGroup "web": rule "bad": address: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?',
    );
    expect(() => g.allowInbound({ protocol: 1, port: "80", address: "10.0.0.0/8", description: "icmp" })).toThrow(
      /only TCP \(6\) and UDP \(17\) have ports/,
    );
    expect(() => new WebServerGroup({ name: "ab" })).toThrow(/name: must be at least 3 characters/);
    expect(() => new WebServerGroup({ name: "web", adminSources: ["10.1.2.3"] })).toThrow(/did you mean 10.1.2.3\/32\?/);
    expect(() => new WebServerGroup({ name: "web", http: false, https: false })).toThrow(/both false/);
    expect(() => new WebServerGroup({ name: "web", sites: ["nope"] })).toThrow(/sites\[0\]: must be a site id/);
  });

  it("needs a resolver for planned prefix lists", () => {
    expect(() => new BastionGroup({ name: "bastion", adminSources: ["192.0.2.0/24"] }).synthesize()).toThrow(/plans prefix list "admins"/);
  });
});

describe("IPv6", () => {
  it("takes IPv6 source CIDRs, stored in RFC 5952 text; a duplicate however spelled is refused", () => {
    const web = new WebServerGroup({ name: "web", https: false, sources: ["2001:DB8:0::/32", "198.51.100.0/24"], outbound: "none" });
    expect(web.synthesize().securityGroup.rules.map((r) => [r.address, r.description])).toEqual([
      ["2001:db8::/32", "HTTP from 2001:db8::/32"],
      ["198.51.100.0/24", "HTTP from 198.51.100.0/24"],
    ]);
    expect(() => new WebServerGroup({ name: "web", sources: ["2001:db8::/32", "2001:DB8::/32"] })).toThrow(
      'WebServerGroup "web": sources[1] 2001:db8::/32 is listed twice',
    );
  });

  it("gathers admin CIDRs of both families into one planned prefix list", () => {
    const out = new BastionGroup({ name: "bastion", adminSources: ["192.0.2.0/24", "2001:DB8:AB::/48"] }).synthesize(ids);
    expect(out.prefixLists[0].write.prefixes).toEqual([{ cidr: "192.0.2.0/24" }, { cidr: "2001:db8:ab::/48" }]);
    expect(out.securityGroup.rules.filter((r) => r.direction === "inbound").map((r) => r.address)).toEqual(["id-of-admins"]);
    expectValid(out);
  });

  it("refuses bad IPv6 sources with the core's messages, naming the source", () => {
    expect(() => new WebServerGroup({ name: "web", adminSources: ["2001:db8::1/64"] })).toThrow(
      'WebServerGroup "web": adminSources[0]: "2001:db8::1/64" has host bits set; did you mean 2001:db8::/64?',
    );
    expect(() => new WebServerGroup({ name: "web", sources: ["fe80::1%eth0/64"] })).toThrow(
      'WebServerGroup "web": sources[0]: "fe80::1%eth0/64": zone ids are not allowed in a CIDR',
    );
    expect(() => new BastionGroup({ name: "bastion", adminSources: ["::ffff:10.0.0.0/104"] })).toThrow(
      /adminSources\[0\]: "::ffff:10\.0\.0\.0\/104" is an IPv4-mapped address; write the IPv4 CIDR 10\.0\.0\.0\/8/,
    );
    expect(() => new BastionGroup({ name: "bastion", adminSources: ["office"] })).toThrow(
      /adminSources\[0\]: "office" is not a CIDR like 10\.0\.0\.0\/24 or 2001:db8::\/32; a source is a CIDR, a prefix list, a security group or the id of one/,
    );
  });

  it("DatabaseGroup refuses ::/0 however spelled, as it does 0.0.0.0/0", () => {
    for (const world of ["::/0", "0:0::/0"]) {
      expect(() => new DatabaseGroup({ name: "orders-db", engine: "postgres", applicationSources: ["10.0.0.0/8", world] })).toThrow(
        `applicationSources contains ${world}; a database must not be open to the world`,
      );
    }
    const v6 = new DatabaseGroup({ name: "orders-db", engine: "redis", applicationSources: ["2001:db8:1::/64"] }).synthesize();
    expect(v6.securityGroup.rules[0]).toMatchObject({ protocol: 6, port: "6379", address: "2001:db8:1::/64" });
  });

  it("MonitoringGroup pings with ICMP or ICMPv6 by the source's family, both for a prefix list", () => {
    const inbound = (props: Partial<ConstructorParameters<typeof MonitoringGroup>[0]>) =>
      new MonitoringGroup({ name: "mon", exporterPorts: [], monitoringSources: [], ...props })
        .synthesize()
        .securityGroup.rules.filter((r) => r.direction === "inbound")
        .map((r) => [r.protocol, r.icmp_type, r.address, r.description]);
    expect(inbound({ monitoringSources: ["10.9.0.0/16", "2001:db8:9::/48", PL] })).toEqual([
      [1, 8, "10.9.0.0/16", "ICMP echo from 10.9.0.0/16"],
      [58, 128, "2001:db8:9::/48", "ICMPv6 echo from 2001:db8:9::/48"],
      [1, 8, PL, `ICMP echo from ${PL}`],
      [58, 128, PL, `ICMPv6 echo from ${PL}`],
    ]);
    expect(inbound({ monitoringSources: [PL], dualStack: false })).toEqual([[1, 8, PL, `ICMP echo from ${PL}`]]);
    // An IPv6 source is IPv6 even with dualStack: false (only the pattern's own "anywhere" is narrowed).
    expect(inbound({ monitoringSources: ["2001:db8:9::/48"], dualStack: false })).toEqual([
      [58, 128, "2001:db8:9::/48", "ICMPv6 echo from 2001:db8:9::/48"],
    ]);
  });

  it("never widens what users give: an explicit 0.0.0.0/0 stays IPv4 only", () => {
    const web = new WebServerGroup({
      name: "web",
      sources: ["0.0.0.0/0"],
      outbound: [{ protocol: 0, address: "0.0.0.0/0", description: "out" }],
    });
    expect(web.synthesize().securityGroup.rules.map((r) => r.address)).toEqual(["0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"]);
  });
});

describe("engine references", () => {
  it("accepts site objects whose ids are engine tokens, and passes them through", () => {
    const out = new WebServerGroup({
      name: "web",
      sites: [{ siteId: "${TfToken[TOKEN.7]}" }, "site_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7"],
    }).synthesize();
    expect(out.securityGroup.sites).toEqual(["${TfToken[TOKEN.7]}", "site_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7"]);
  });
});
