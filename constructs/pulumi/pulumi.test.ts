/**
 * The pattern components under pulumi.runtime.setMocks: what they register
 * with the engine (children, their parent, the expanded rules with Input
 * references put back), and the errors they raise at `new`.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  custom: boolean;
  inputs: Inputs;
}

interface RuleInput {
  direction: string;
  order: number;
  protocol: number;
  port: string;
  address: unknown;
  description: string;
  icmp_type: number | null;
}

interface Inputs {
  rules: RuleInput[];
  [field: string]: unknown;
}

const GROUP = "pulumi-nodejs:dynamic/secgroups:SecurityGroup";
const LIST = "pulumi-nodejs:dynamic/secgroups:PrefixList";
const SITE = "pulumi-nodejs:dynamic/secgroups:Site";
const ID_PREFIX: Record<string, string> = { [GROUP]: "sec_grp_", [LIST]: "prfx_lst_", [SITE]: "site_" };

let registered: Registered[] = [];
let counter = 0;
/** Types whose ids the mock leaves unknown (as during a preview of a create). */
let unknownIdTypes = new Set<string>();

function useMocks(preview: boolean): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, custom: args.custom ?? false, inputs: args.inputs });
        if (!args.custom) return { id: undefined, state: {} };
        const id = unknownIdTypes.has(args.type) ? undefined : ID_PREFIX[args.type] + String(++counter).padStart(27, "0");
        return { id, state: { ...args.inputs, ...(args.type === SITE ? {} : { status: "active" }) } };
      },
      call: (args) => args.inputs,
    },
    "secgroups-components",
    "test",
    preview,
  );
}

function outputOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((value) => resolve(value)));
}

/** Waits until the engine has seen every resource registered so far (the group's rules are sent when the program yields). */
async function settled(...resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((r) => outputOf(r.urn)));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

function one(type: string, name: string): Registered {
  const found = registered.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

type Components = typeof import("./index");
let c: Components;
let provider: typeof import("../../provider/pulumi");

beforeAll(async () => {
  useMocks(false);
  c = await import("./index");
  provider = await import("../../provider/pulumi");
});

beforeEach(() => {
  registered = [];
  unknownIdTypes = new Set();
});

describe("WebServerGroup", () => {
  it("creates one SecurityGroup child with HTTP, HTTPS and an outbound rule, and exposes its id and status", async () => {
    const web = new c.WebServerGroup("web", { name: "web" });
    const [id, status, urn, groupUrn] = await Promise.all([
      outputOf(web.id),
      outputOf(web.status),
      outputOf(web.urn),
      outputOf(web.securityGroup.urn),
    ]);
    await settled(web.securityGroup);

    expect(id).toMatch(/^sec_grp_/);
    expect(status).toBe("active");
    expect(urn).toMatch(/::secgroups:patterns:WebServerGroup::web$/);
    // The group is the component's child: its URN carries the component's type.
    expect(groupUrn).toMatch(/::secgroups:patterns:WebServerGroup\$pulumi-nodejs:dynamic\/secgroups:SecurityGroup::web$/);
    expect(web.prefixLists).toEqual({});
    expect(registered.filter((r) => r.type === LIST)).toEqual([]);

    const group = one(GROUP, "web");
    expect(group.inputs).toMatchObject({ name: "web", description: null, sites: [] });
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
    // "Anywhere" is both families by default (dualStack).
    expect(group.inputs.rules).toEqual([
      rule(10, "inbound", 6, "80", "0.0.0.0/0", "HTTP from anywhere"),
      rule(20, "inbound", 6, "443", "0.0.0.0/0", "HTTPS from anywhere"),
      rule(30, "inbound", 6, "80", "::/0", "HTTP from anywhere (IPv6)"),
      rule(40, "inbound", 6, "443", "::/0", "HTTPS from anywhere (IPv6)"),
      rule(50, "outbound", 0, "", "0.0.0.0/0", "Allow all outbound traffic"),
      rule(60, "outbound", 0, "", "::/0", "Allow all outbound IPv6 traffic"),
    ]);
    // dualStack: false is the IPv4-only group.
    const v4 = new c.WebServerGroup("web-v4", { name: "web-v4", dualStack: false });
    await settled(v4.securityGroup);
    expect(one(GROUP, "web-v4").inputs.rules.map((r) => r.address)).toEqual(["0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"]);
  });

  it("gathers raw admin CIDRs into a PrefixList child that the SSH rule references by id", async () => {
    const web = new c.WebServerGroup("edge", { name: "edge", adminSources: ["203.0.113.0/24", "198.51.100.7/32"], waitForSync: false });
    const admins = web.prefixLists.admins;
    expect(admins).toBeInstanceOf(provider.PrefixList);
    const [adminsId, adminsUrn] = await Promise.all([outputOf(admins.id), outputOf(admins.urn)]);
    await settled(web.securityGroup);

    expect(adminsUrn).toMatch(/::secgroups:patterns:WebServerGroup\$pulumi-nodejs:dynamic\/secgroups:PrefixList::edge-admins$/);
    expect(one(LIST, "edge-admins").inputs).toMatchObject({
      name: "edge-admins",
      description: "Administrators allowed to SSH into edge",
      prefixes: [
        { cidr: "203.0.113.0/24", description: null },
        { cidr: "198.51.100.7/32", description: null },
      ],
      sites: [],
      waitForSync: false,
    });
    const group = one(GROUP, "edge");
    expect(group.inputs.waitForSync).toBe(false);
    expect(group.inputs.rules.map((r) => [r.order, r.port, r.address, r.description])).toEqual([
      [10, "80", "0.0.0.0/0", "HTTP from anywhere"],
      [20, "443", "0.0.0.0/0", "HTTPS from anywhere"],
      [30, "80", "::/0", "HTTP from anywhere (IPv6)"],
      [40, "443", "::/0", "HTTPS from anywhere (IPv6)"],
      [50, "22", adminsId, "SSH from admins"],
      [60, "", "0.0.0.0/0", "Allow all outbound traffic"],
      [70, "", "::/0", "Allow all outbound IPv6 traffic"],
    ]);
  });

  it("takes PrefixList and Site resources, Outputs and references as sources and sites, and rules added right after construction", async () => {
    const office = new provider.PrefixList("office", { name: "office", prefixes: [{ cidr: "198.51.100.0/24" }] });
    const partner = pulumi.output("prfx_lst_0000000000000000000000000p");
    const site = new provider.Site("web-1", { name: "web-1", platform: "nftables" });
    const web = new c.WebServerGroup("shop", {
      name: "shop",
      https: false,
      sources: [office, partner, "10.0.0.0/8"],
      adminSources: [{ prefixListId: office.id }],
      sites: [site, { siteId: pulumi.output("site_000000000000000000000000002") }, "site_000000000000000000000000003"],
      outbound: [{ protocol: 17, port: "53", address: "0.0.0.0/0", description: "DNS" }],
    });
    web.allowInbound({ protocol: 6, port: "9100", address: office.id, description: "node exporter" });
    const [officeId, siteId] = await Promise.all([outputOf(office.id), outputOf(site.id)]);
    await settled(web.securityGroup);

    const group = one(GROUP, "shop");
    expect(group.inputs.sites).toEqual([siteId, "site_000000000000000000000000002", "site_000000000000000000000000003"]);
    expect(group.inputs.rules.map((r) => [r.order, r.direction, r.protocol, r.port, r.address])).toEqual([
      [10, "inbound", 6, "80", "10.0.0.0/8"],
      [20, "inbound", 6, "80", officeId],
      [30, "inbound", 6, "80", "prfx_lst_0000000000000000000000000p"],
      [40, "inbound", 6, "22", officeId],
      [50, "inbound", 6, "9100", officeId],
      [60, "outbound", 17, "53", "0.0.0.0/0"],
    ]);
    // A prefix list given as a reference is used, not created.
    expect(registered.filter((r) => r.type === LIST).map((r) => r.name)).toEqual(["office"]);
  });

  it("passes sites given as one Output of the whole list to the group unchanged", async () => {
    const ids = pulumi.output(["site_000000000000000000000000007", "site_000000000000000000000000008"]);
    const web = new c.WebServerGroup("fleet", { name: "fleet", sites: ids });
    await settled(web.securityGroup);
    expect(one(GROUP, "fleet").inputs.sites).toEqual(["site_000000000000000000000000007", "site_000000000000000000000000008"]);
  });

  it("refuses a rule added after the program yielded, saying where to put it", async () => {
    const web = new c.WebServerGroup("late", { name: "late" });
    await settled(web.securityGroup);
    expect(() => web.allowInbound({ protocol: 6, port: "8080", address: "0.0.0.0/0", description: "alt" })).toThrow(
      /WebServerGroup "late": rule "alt" was added after the group's rules were sent to the engine; add rules right after `new` .* or pass them in props.rules/,
    );
    expect(one(GROUP, "late").inputs.rules).toHaveLength(6);
  });
});

describe("the other components", () => {
  it("DatabaseGroup: the engine port from each application source", async () => {
    const apps = pulumi.output("prfx_lst_00000000000000000000000app");
    const db = new c.DatabaseGroup("orders-db", {
      name: "orders-db",
      engine: "postgres",
      applicationSources: ["10.0.1.0/24", apps],
      outbound: "none",
    });
    await settled(db.securityGroup);
    expect(one(GROUP, "orders-db").inputs.rules.map((r) => [r.direction, r.protocol, r.port, r.address, r.description])).toEqual([
      ["inbound", 6, "5432", "10.0.1.0/24", "postgres from 10.0.1.0/24"],
      ["inbound", 6, "5432", "prfx_lst_00000000000000000000000app", "postgres from prefix list"],
    ]);
  });

  it("BastionGroup: SSH on the given port from a planned admins list only, plus outbound", async () => {
    const bastion = new c.BastionGroup("jump", { name: "jump", adminSources: ["192.0.2.0/24"], sshPort: "2222" });
    const adminsId = await outputOf(bastion.prefixLists.admins.id);
    await settled(bastion.securityGroup);
    expect(one(LIST, "jump-admins").inputs.prefixes).toEqual([{ cidr: "192.0.2.0/24", description: null }]);
    expect(one(GROUP, "jump").inputs.rules.map((r) => [r.direction, r.protocol, r.port, r.address])).toEqual([
      ["inbound", 6, "2222", adminsId],
      ["outbound", 0, "", "0.0.0.0/0"],
      ["outbound", 0, "", "::/0"],
    ]);
  });

  it("DnsServerGroup: UDP and TCP 53 from anywhere by default", async () => {
    const dns = new c.DnsServerGroup("resolver", { name: "resolver" });
    await settled(dns.securityGroup);
    expect(one(GROUP, "resolver").inputs.rules.map((r) => [r.direction, r.protocol, r.port, r.address])).toEqual([
      ["inbound", 17, "53", "0.0.0.0/0"],
      ["inbound", 6, "53", "0.0.0.0/0"],
      ["inbound", 17, "53", "::/0"],
      ["inbound", 6, "53", "::/0"],
      ["outbound", 0, "", "0.0.0.0/0"],
      ["outbound", 0, "", "::/0"],
    ]);
  });

  it("MonitoringGroup: ICMP or ICMPv6 echo by family and the exporter ports from the monitoring servers", async () => {
    const mon = new c.MonitoringGroup("metrics", {
      name: "metrics",
      monitoringSources: ["10.9.0.0/16", "2001:DB8:9::/48"],
      exporterPorts: [9100, "9187"],
    });
    await settled(mon.securityGroup);
    expect(one(GROUP, "metrics").inputs.rules.map((r) => [r.protocol, r.port, r.icmp_type, r.address])).toEqual([
      [1, "", 8, "10.9.0.0/16"],
      [6, "9100,9187", null, "10.9.0.0/16"],
      [58, "", 128, "2001:db8:9::/48"],
      [6, "9100,9187", null, "2001:db8:9::/48"],
      [0, "", null, "0.0.0.0/0"],
      [0, "", null, "::/0"],
    ]);
  });
});

describe("validation at construction", () => {
  it("raises the pattern's error, saying what to change, before registering anything", async () => {
    expect(() => new c.WebServerGroup("bad-admins", { name: "bad-admins", adminSources: ["10.0.0.1/8"] })).toThrow(
      'WebServerGroup "bad-admins": adminSources[0]: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?',
    );
    expect(() => new c.DatabaseGroup("open-db", { name: "open-db", engine: "mysql", applicationSources: ["0.0.0.0/0"] })).toThrow(
      /must not be open to the world/,
    );
    expect(() => new c.WebServerGroup("no-web", { name: "no-web", http: false, https: false })).toThrow(/http and https are both false/);
    expect(
      () => new c.MonitoringGroup("quiet", { name: "quiet", monitoringSources: ["10.9.0.0/16"], icmpEcho: false, exporterPorts: [] }),
    ).toThrow(/would allow nothing in/);
    expect(() => new c.WebServerGroup("bad-port", { name: "bad-port", adminSources: ["10.0.0.0/8"], sshPort: "22a" })).toThrow(
      c.PatternError,
    );
    await settled();
    // Not even the component was registered.
    expect(registered).toEqual([]);
  });

  it("raises rule errors at the call that added the rule", async () => {
    const web = new c.WebServerGroup("clash", { name: "clash" });
    web.addRule({ direction: "inbound", order: 100, protocol: 6, port: "8080", address: "0.0.0.0/0", description: "alt" });
    expect(() =>
      web.addRule({ direction: "inbound", order: 100, protocol: 6, port: "8081", address: "0.0.0.0/0", description: "alt2" }),
    ).toThrow(/order 100 is already used by rule "alt"/);
    expect(() => web.allowInbound({ protocol: 1, port: "80", address: "0.0.0.0/0", description: "ping with a port" })).toThrow(
      /ping with a port/,
    );
    expect(() => web.allowInbound({ protocol: 6, port: "80", address: 42 as never, description: "number" })).toThrow(
      /address must be a Peer \(Peer\.ipv4/,
    );
    await settled(web.securityGroup);
    await outputOf(web.status);
    expect(one(GROUP, "clash").inputs.rules.map((r) => r.port)).toEqual(["80", "443", "80", "443", "", "", "8080"]);
  });
});

describe("preview", () => {
  beforeAll(() => useMocks(true));
  afterAll(() => useMocks(false));

  it("sends every rule with ports and orders known while a new prefix list's id is not", async () => {
    unknownIdTypes = new Set([LIST]);
    const web = new c.WebServerGroup("preview-web", { name: "preview-web", adminSources: ["203.0.113.0/24"] });
    await settled(web.securityGroup, web.prefixLists.admins);
    const rules = one(GROUP, "preview-web").inputs.rules;
    expect(rules.map((r) => [r.order, r.port])).toEqual([
      [10, "80"],
      [20, "443"],
      [30, "80"],
      [40, "443"],
      [50, "22"],
      [60, ""],
      [70, ""],
    ]);
    expect(rules[0].address).toBe("0.0.0.0/0");
    // The SSH rule's address is the one unknown value.
    expect(rules[4].address).toEqual({ __pulumiUnknown: true });
    expect(rules[4]).toMatchObject({ direction: "inbound", protocol: 6, description: "SSH from admins" });
  });
});

describe("groups as peers (Peer, Port, allowFrom)", () => {
  it("DatabaseGroup({ applicationSources: [web] }): the rule's address is the web group's id, no subnet", async () => {
    const web = new c.WebServerGroup("tier-web", { name: "tier-web", outbound: "none", dualStack: false });
    const db = new c.DatabaseGroup("tier-db", { name: "tier-db", engine: "postgres", applicationSources: [web], outbound: "none" });
    const webId = await outputOf(web.id);
    await settled(web.securityGroup, db.securityGroup);
    expect(webId).toMatch(/^sec_grp_/);
    expect(one(GROUP, "tier-db").inputs.rules.map((r) => [r.direction, r.protocol, r.port, r.address, r.description])).toEqual([
      ["inbound", 6, "5432", webId, "postgres from group tier-web"],
    ]);
  });

  it("allowFrom and allowTo take components, SecurityGroup resources, Peer values and Outputs of ids", async () => {
    const web = new c.WebServerGroup("conn-web", { name: "conn-web", outbound: "none", dualStack: false });
    const plain = new provider.SecurityGroup("conn-plain", { name: "conn-plain", rules: [] });
    const cache = new c.SecurityGroupPattern("conn-cache", { name: "conn-cache", outbound: "none" })
      .allowFrom(web, c.Port.tcp(6379), "app to cache")
      .allowFrom(plain, c.Port.tcpRange(7000, 7001))
      .allowFrom(c.Peer.group(plain.id), c.Port.icmpPing())
      .allowFrom(c.Peer.ipv6("FD00::/8"), c.Port.icmpv6Ping())
      .allowTo(c.Peer.group(web), c.Port.allTraffic());
    const [webId, plainId] = await Promise.all([outputOf(web.id), outputOf(plain.id)]);
    await settled(web.securityGroup, plain, cache.securityGroup);
    expect(
      one(GROUP, "conn-cache").inputs.rules.map((r) => [r.direction, r.protocol, r.port, r.address, r.icmp_type, r.description]),
    ).toEqual([
      ["inbound", 6, "6379", webId, null, "app to cache"],
      ["inbound", 6, "7000-7001", plainId, null, "tcp/7000-7001 from group"],
      ["inbound", 1, "", plainId, 8, "ICMP echo from group"],
      ["inbound", 58, "", "fd00::/8", 128, "ICMPv6 echo from fd00::/8"],
      ["outbound", 0, "", webId, null, "all traffic to group conn-web"],
    ]);
    expect(c.PROTOCOL).toMatchObject({ TCP: 6, UDP: 17, ICMP: 1, ICMPV6: 58, ALL: 0 });
  });

  it("address: web.id in a plain SecurityGroup's rule is sent as the id", async () => {
    const web = new c.WebServerGroup("ref-web", { name: "ref-web" });
    const db = new provider.SecurityGroup("ref-db", {
      name: "ref-db",
      rules: [{ direction: "inbound", order: 10, protocol: 6, port: "5432", address: web.id, description: "from the web tier" }],
    });
    const webId = await outputOf(web.id);
    await settled(web.securityGroup, db);
    expect(one(GROUP, "ref-db").inputs.rules[0].address).toBe(webId);
  });

  it("allowInternally and Peer.self(): the address self, which the provider sends as it is", async () => {
    const etcd = new c.SecurityGroupPattern("self-etcd", { name: "self-etcd", outbound: "none" })
      .allowInternally(c.Port.tcpRange(2379, 2380), "etcd peers")
      .allowFrom(c.Peer.self(), c.Port.icmpPing());
    await settled(etcd.securityGroup);
    expect(one(GROUP, "self-etcd").inputs.rules.map((r) => [r.direction, r.port, r.address, r.description])).toEqual([
      ["inbound", "2379-2380", "self", "etcd peers"],
      ["outbound", "2379-2380", "self", "etcd peers"],
      ["inbound", "", "self", "ICMP echo from the group's members"],
    ]);
  });

  it("refuses the wrong kind of id and late calls, saying what to change", async () => {
    expect(() => c.Peer.group("prfx_lst_000000000000000000000000app")).toThrow(/is not a security group id; use Peer\.prefixList/);
    expect(() => c.Peer.prefixList("sec_grp_000000000000000000000000001")).toThrow(/is not a prefix list id; use Peer\.group/);
    const late = new c.SecurityGroupPattern("conn-late", { name: "conn-late" });
    await settled(late.securityGroup);
    expect(() => late.allowFrom(c.Peer.anyIpv4(), c.Port.tcp(80))).toThrow(
      /SecurityGroupPattern "conn-late": allowFrom\(…, tcp\/80\) was called after the group's rules were sent to the engine/,
    );
  });
});
