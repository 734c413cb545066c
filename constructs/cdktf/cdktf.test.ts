import "cdktf/lib/testing/adapters/jest";
import { Testing, TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import {
  DataSecgroupsPrefixList,
  DataSecgroupsSecurityGroup,
  DataSecgroupsSite,
  PatternError,
  PrefixList,
  SecgroupsProvider,
  SecurityGroup,
  Site,
  WebServerGroup,
  DatabaseGroup,
  MonitoringGroup,
  Peer,
  Port,
  PROTOCOL,
  SecurityGroupPattern,
} from "./index";

Testing.setupJest();

function synth(build: (scope: Construct) => void): string {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new SecgroupsProvider(stack, "secgroups", {});
  build(stack);
  return Testing.synth(stack);
}

function resources(json: string, type: string): Record<string, Record<string, unknown>> {
  return (JSON.parse(json).resource?.[type] ?? {}) as Record<string, Record<string, unknown>>;
}

function dataSources(json: string, type: string): Record<string, Record<string, unknown>> {
  return (JSON.parse(json).data?.[type] ?? {}) as Record<string, Record<string, unknown>>;
}

describe("CDKTF constructs", () => {
  it("WebServerGroup synthesizes one security group with ordered rules for both families and outbound rules", () => {
    const out = synth((s) => new WebServerGroup(s, "web", { name: "web" }));
    const rule = (order: number, direction: string, protocol: number, port: string, address: string, description: string) => ({
      direction,
      order,
      protocol,
      port,
      address,
      description,
      action: "accept",
      log: false,
    });
    expect(out).toHaveResourceWithProperties(SecurityGroup, {
      name: "web",
      rules: [
        rule(10, "inbound", 6, "80", "0.0.0.0/0", "HTTP from anywhere"),
        rule(20, "inbound", 6, "443", "0.0.0.0/0", "HTTPS from anywhere"),
        rule(30, "inbound", 6, "80", "::/0", "HTTP from anywhere (IPv6)"),
        rule(40, "inbound", 6, "443", "::/0", "HTTPS from anywhere (IPv6)"),
        rule(50, "outbound", 0, "", "0.0.0.0/0", "Allow all outbound traffic"),
        rule(60, "outbound", 0, "", "::/0", "Allow all outbound IPv6 traffic"),
      ],
    });
    expect(out).not.toHaveResource(PrefixList);
    // dualStack: false is the IPv4-only group.
    const v4 = synth((s) => new WebServerGroup(s, "web", { name: "web", dualStack: false }));
    const group = Object.values(resources(v4, "secgroups_security_group"))[0] as { rules: { address: string }[] };
    expect(group.rules.map((r) => r.address)).toEqual(["0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0"]);
  });

  it("raw admin CIDRs become a PrefixList the SSH rule references by id", () => {
    const out = synth((s) => new WebServerGroup(s, "web", { name: "web", adminSources: ["203.0.113.0/24"] }));
    expect(out).toHaveResourceWithProperties(PrefixList, { name: "web-admins", prefixes: [{ cidr: "203.0.113.0/24" }] });
    const lists = resources(out, "secgroups_prefix_list");
    const listId = Object.keys(lists)[0];
    const group = Object.values(resources(out, "secgroups_security_group"))[0] as { rules: { port: string; address: string }[] };
    expect(group.rules.find((r) => r.port === "22")?.address).toBe(`\${secgroups_prefix_list.${listId}.id}`);
  });

  it("takes PrefixList and Site resources as sources and sites, and rules added after construction", () => {
    const out = synth((s) => {
      const apps = new PrefixList(s, "apps", { name: "apps", prefixes: [{ cidr: "10.1.0.0/16" }] });
      const site = new Site(s, "lab", { name: "lab", platform: "nftables" });
      const db = new DatabaseGroup(s, "db", { name: "orders-db", engine: "postgres", applicationSources: [apps], sites: [site.id] });
      db.allowInbound({ protocol: 6, port: "9187", address: apps.id, description: "postgres exporter" });
    });
    const group = Object.values(resources(out, "secgroups_security_group"))[0] as {
      sites: string[];
      rules: { order: number; port: string; address: string }[];
    };
    expect(group.sites).toEqual(["${secgroups_site.lab.id}"]);
    expect(group.rules.map((r) => [r.order, r.port, r.address])).toEqual([
      [10, "5432", "${secgroups_prefix_list.apps.id}"],
      [20, "9187", "${secgroups_prefix_list.apps.id}"],
      [30, "", "0.0.0.0/0"],
      [40, "", "::/0"],
    ]);
  });

  it("looks up existing prefix lists, groups and sites by name or id, usable as sources, sites and rules", () => {
    const out = synth((s) => {
      const office = PrefixList.fromLookup(s, "office", { name: "office" });
      const edge = Site.fromLookup(s, "edge", { id: "site_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7" });
      const baseline = SecurityGroup.fromLookup(s, "baseline", { name: "baseline" });
      expect(office).toBeInstanceOf(DataSecgroupsPrefixList);
      expect(edge).toBeInstanceOf(DataSecgroupsSite);
      expect(baseline).toBeInstanceOf(DataSecgroupsSecurityGroup);
      new WebServerGroup(s, "web", { name: "web", adminSources: [office], sites: [edge] });
      new SecurityGroup(s, "copy", { name: "baseline-copy", rules: baseline.rules });
    });
    expect(dataSources(out, "secgroups_prefix_list")).toEqual({ office: { name: "office" } });
    expect(dataSources(out, "secgroups_site")).toEqual({ edge: { id: "site_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7" } });
    expect(dataSources(out, "secgroups_security_group")).toEqual({ baseline: { name: "baseline" } });
    const groups = resources(out, "secgroups_security_group");
    const web = Object.values(groups).find((g) => g.name === "web") as { sites: string[]; rules: { port: string; address: string }[] };
    expect(web.rules.find((r) => r.port === "22")?.address).toBe("${data.secgroups_prefix_list.office.id}");
    expect(web.sites).toEqual(["${data.secgroups_site.edge.id}"]);
    expect(Object.values(groups).find((g) => g.name === "baseline-copy")?.rules).toBe(
      "${tolist(data.secgroups_security_group.baseline.rules)}",
    );
    // No prefix list is created for a looked-up source.
    expect(resources(out, "secgroups_prefix_list")).toEqual({});
  });

  it("MonitoringGroup writes icmp_type only where set, ICMP or ICMPv6 by the source's family", () => {
    const out = synth((s) => new MonitoringGroup(s, "mon", { name: "mon", monitoringSources: ["10.9.0.0/16", "2001:db8:9::/48"] }));
    const group = Object.values(resources(out, "secgroups_security_group"))[0] as { rules: Record<string, unknown>[] };
    expect(group.rules[0]).toMatchObject({ protocol: 1, icmp_type: 8, address: "10.9.0.0/16" });
    expect(group.rules[1]).not.toHaveProperty("icmp_type");
    expect(group.rules[2]).toMatchObject({ protocol: 58, icmp_type: 128, address: "2001:db8:9::/48" });
  });

  it("fails at construction with the pattern's message", () => {
    expect(() => synth((s) => new WebServerGroup(s, "web", { name: "web", adminSources: ["10.0.0.1/8"] }))).toThrow(PatternError);
    expect(() =>
      synth((s) => {
        const web = new WebServerGroup(s, "web", { name: "web" });
        web.addRule({ direction: "inbound", order: 10, protocol: 6, port: "8080", address: "0.0.0.0/0", description: "alt" });
        web.addRule({ direction: "inbound", order: 10, protocol: 6, port: "8081", address: "0.0.0.0/0", description: "alt2" });
      }),
    ).toThrow(/order 10 is already used by rule "alt"/);
  });

  it("groups as peers: DatabaseGroup({ applicationSources: [web] }) and allowFrom reference the group's id token", () => {
    const out = synth((s) => {
      const web = new WebServerGroup(s, "web", { name: "web", dualStack: false, outbound: "none" });
      new DatabaseGroup(s, "db", { name: "db-tier", engine: "postgres", applicationSources: [web], outbound: "none" });
      const plain = new SecurityGroup(s, "plain", { name: "plain", rules: [] });
      new SecurityGroupPattern(s, "cache", { name: "cache", outbound: "none" })
        .allowFrom(web, Port.tcp(6379), "app to cache")
        .allowFrom(Peer.group(plain), Port.icmpPing())
        .allowTo(plain, Port.udpRange(5000, 5010));
    });
    const groups = resources(out, "secgroups_security_group");
    const rulesOf = (name: string) =>
      (Object.values(groups).find((g) => g.name === name)!.rules as Record<string, unknown>[]).map((r) => [
        r.direction,
        r.protocol,
        r.port,
        r.address,
        r.icmp_type,
        r.description,
      ]);
    const webId = "${secgroups_security_group.web_security-group_7D897C8C.id}";
    expect(rulesOf("db-tier")).toEqual([["inbound", 6, "5432", webId, undefined, "postgres from group web"]]);
    expect(rulesOf("cache")).toEqual([
      ["inbound", 6, "6379", webId, undefined, "app to cache"],
      ["inbound", 1, "", "${secgroups_security_group.plain.id}", 8, "ICMP echo from group"],
      ["outbound", 17, "5000-5010", "${secgroups_security_group.plain.id}", undefined, "udp/5000-5010 to group"],
    ]);
    expect(PROTOCOL.TCP).toBe(6);
  });

  it("allowInternally and Peer.self() write the address self", () => {
    const out = synth((s) => {
      new SecurityGroupPattern(s, "etcd", { name: "etcd", dualStack: false }).allowInternally(Port.tcpRange(2379, 2380));
      new SecurityGroup(s, "plain", {
        name: "plain",
        rules: [{ direction: "inbound", order: 1, protocol: 6, port: "22", address: Peer.self(), description: "ssh between members" }],
      });
    });
    const groups = Object.values(resources(out, "secgroups_security_group"));
    const addresses = (name: string) => (groups.find((g) => g.name === name)!.rules as Record<string, unknown>[]).map((r) => r.address);
    expect(addresses("etcd")).toEqual(["self", "0.0.0.0/0"]);
    expect(addresses("plain")).toEqual(["self"]);
  });

  it("a Site declares its addresses; reported_addresses is read-only", () => {
    let site!: Site;
    const out = synth((s) => {
      site = new Site(s, "web-1", { name: "web-1", platform: "nftables", addresses: ["10.0.1.5/32", "2001:db8::5/128"] });
    });
    expect(out).toHaveResourceWithProperties(Site, { name: "web-1", addresses: ["10.0.1.5/32", "2001:db8::5/128"] });
    // A computed list: a token until apply, never an argument.
    expect(site.reportedAddresses).toHaveLength(1);
    expect(Token.isUnresolved(site.reportedAddresses)).toBe(true);
    expect(JSON.stringify(JSON.parse(out).resource.secgroups_site)).not.toContain("reported_addresses");
  });
});
