import { validateSecurityGroupWrite } from "../../core/model";
import { DatabaseGroup, PatternError, Peer, Port, SecurityGroupPattern, WebServerGroup, type PatternSynthesis } from "./index";

const GROUP = "sec_grp_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7";
const LIST = "prfx_lst_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7";
/** An engine token standing for a group id that is not known yet (a CDKTF token, a Pulumi Output's stand-in). */
const TOKEN = "${TfToken[TOKEN.42]}";

/** The rules without the fields every rule has. */
function rules(out: PatternSynthesis) {
  return out.securityGroup.rules.map((r) => ({
    direction: r.direction,
    protocol: r.protocol,
    port: r.port,
    address: r.address,
    description: r.description,
    icmp_type: r.icmp_type,
  }));
}

function expectValid(out: PatternSynthesis): void {
  // What a pattern gives passes the API's one validator (tokens stand in for ids the engine fills in).
  const body = {
    ...out.securityGroup,
    rules: out.securityGroup.rules.map((r) => ({ ...r, address: r.address === TOKEN ? GROUP : r.address })),
  };
  const result = validateSecurityGroupWrite(body);
  expect(result.ok ? [] : result.issues).toEqual([]);
}

describe("Port", () => {
  it("renders itself to the rule fields, ports in the stored form", () => {
    expect(Port.tcp(5432).toRuleFields()).toEqual({ protocol: 6, port: "5432", icmp_type: null, icmp_code: null });
    expect(Port.tcpRange(1024, 2048).port).toBe("1024-2048");
    expect(Port.tcpRange(80, 80).port).toBe("80");
    expect(Port.allTcp().port).toBe("1-65535");
    expect(Port.udp(53).toRuleFields()).toEqual({ protocol: 17, port: "53", icmp_type: null, icmp_code: null });
    expect(Port.udpRange(60000, 61000).toString()).toBe("udp/60000-61000");
    expect(Port.allUdp().toString()).toBe("udp/1-65535");
    expect(Port.allTraffic().toRuleFields()).toEqual({ protocol: 0, port: "", icmp_type: null, icmp_code: null });
    expect(Port.icmpPing().toRuleFields()).toEqual({ protocol: 1, port: "", icmp_type: 8, icmp_code: null });
    expect(Port.icmpv6Ping().toRuleFields()).toEqual({ protocol: 58, port: "", icmp_type: 128, icmp_code: null });
    expect(Port.icmpType(3, 4).toRuleFields()).toEqual({ protocol: 1, port: "", icmp_type: 3, icmp_code: 4 });
    expect(Port.icmpv6Type(1).toString()).toBe("ICMPv6 type 1");
    expect(Port.allIcmp().icmp_type).toBeNull();
    expect(Port.allIcmpv6().protocol).toBe(58);
  });

  it("refuses bad ports at once, saying what to write", () => {
    expect(() => Port.tcp(70000)).toThrow(new PatternError("Port.tcp(70000): port 70000 is out of range; ports are 1-65535"));
    expect(() => Port.tcp(0)).toThrow(/Port\.tcp\(0\): port 0 is out of range/);
    expect(() => Port.udp(5.5)).toThrow("Port.udp(5.5): ports are whole numbers from 1 to 65535, got 5.5");
    expect(() => Port.tcp("80" as unknown as number)).toThrow('Port.tcp(80): ports are whole numbers from 1 to 65535, got "80"');
    expect(() => Port.tcpRange(2048, 1024)).toThrow(
      "Port.tcpRange(2048, 1024): the range is reversed; did you mean Port.tcpRange(1024, 2048)?",
    );
    expect(() => Port.icmpType(256)).toThrow("Port.icmpType(256): the ICMP type must be a whole number from 0 to 255, got 256");
    expect(() => Port.icmpv6Type(1, -1)).toThrow("the ICMPv6 code must be a whole number from 0 to 255, got -1");
  });
});

describe("Peer", () => {
  it("checks CIDRs and keeps the stored form", () => {
    expect(Peer.ipv4("10.0.1.0/24")).toEqual({ cidr: "10.0.1.0/24", family: 4 });
    expect(Peer.anyIpv4()).toEqual({ cidr: "0.0.0.0/0", family: 4 });
    expect(Peer.ipv6("2001:DB8:0::/32")).toEqual({ cidr: "2001:db8::/32", family: 6 });
    expect(Peer.anyIpv6()).toEqual({ cidr: "::/0", family: 6 });
  });

  it("refuses the wrong family or a bad CIDR with the fix", () => {
    expect(() => Peer.ipv4("10.0.0.5/24")).toThrow('Peer.ipv4("10.0.0.5/24"): "10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?');
    expect(() => Peer.ipv4("2001:db8::/32")).toThrow(
      'Peer.ipv4("2001:db8::/32"): 2001:db8::/32 is an IPv6 CIDR; use Peer.ipv6("2001:db8::/32")',
    );
    expect(() => Peer.ipv6("10.0.0.0/8")).toThrow('10.0.0.0/8 is an IPv4 CIDR; use Peer.ipv4("10.0.0.0/8")');
    expect(() => Peer.ipv6("2001:db8::1/64")).toThrow("did you mean 2001:db8::/64?");
    expect(() => Peer.ipv4("10.0.0.1")).toThrow("did you mean 10.0.0.1/32?");
  });

  it("references: the right kind of id, or an engine token", () => {
    expect(Peer.prefixList(LIST)).toEqual({ prefixListId: LIST });
    expect(Peer.prefixList({ prefixListId: TOKEN })).toEqual({ prefixListId: TOKEN });
    expect(Peer.group(GROUP)).toEqual({ securityGroupId: GROUP });
    expect(Peer.group({ securityGroupId: TOKEN, securityGroupName: "web" })).toEqual({ securityGroupId: TOKEN, securityGroupName: "web" });
    expect(() => Peer.prefixList(GROUP)).toThrow(`${GROUP} is not a prefix list id; use Peer.group("${GROUP}")`);
    expect(() => Peer.group(LIST)).toThrow(`${LIST} is not a security group id; use Peer.prefixList("${LIST}")`);
    expect(() => Peer.group("sec_grp_short")).toThrow(
      '"sec_grp_short" is not a valid sec_grp_ id (sec_grp_ followed by 27 letters or digits)',
    );
    expect(() => Peer.group("10.0.0.0/8")).toThrow("10.0.0.0/8 is a CIDR; use Peer.ipv4 or Peer.ipv6");
    expect(() => Peer.group(undefined as unknown as string)).toThrow("expected a security group or its id");
  });
});

describe("allowFrom / allowTo", () => {
  it("on a plain group: a group peer, a CIDR peer and a prefix list, each one rule", () => {
    const app = new SecurityGroupPattern({ name: "app", outbound: "none" })
      .allowFrom(Peer.group({ securityGroupId: TOKEN, securityGroupName: "web" }), Port.tcp(8080), "web to app")
      .allowFrom(Peer.ipv4("10.9.0.0/16"), Port.tcpRange(9000, 9010))
      .allowFrom(Peer.prefixList(LIST), Port.icmpPing())
      .allowTo(Peer.group(GROUP), Port.tcp(5432));
    const out = app.synthesize();
    expect(rules(out)).toEqual([
      { direction: "inbound", protocol: 6, port: "8080", address: TOKEN, description: "web to app", icmp_type: null },
      {
        direction: "inbound",
        protocol: 6,
        port: "9000-9010",
        address: "10.9.0.0/16",
        description: "tcp/9000-9010 from 10.9.0.0/16",
        icmp_type: null,
      },
      { direction: "inbound", protocol: 1, port: "", address: LIST, description: "ICMP echo from prefix list", icmp_type: 8 },
      { direction: "outbound", protocol: 6, port: "5432", address: GROUP, description: `tcp/5432 to group ${GROUP}`, icmp_type: null },
    ]);
    expectValid(out);
  });

  it("takes a group object directly (anything with securityGroupId), as aws-cdk's connections do", () => {
    const web = { securityGroupId: TOKEN, securityGroupName: "web" };
    const db = new SecurityGroupPattern({ name: "database" }).allowFrom(web, Port.tcp(5432), "app to db");
    expect(rules(db.synthesize())[0]).toEqual({
      direction: "inbound",
      protocol: 6,
      port: "5432",
      address: TOKEN,
      description: "app to db",
      icmp_type: null,
    });
  });

  it("on a pattern, after its own rules", () => {
    const web = new WebServerGroup({ name: "web", outbound: "none", dualStack: false }).allowFrom(
      Peer.group(GROUP),
      Port.tcp(8443),
      "alt https from the other web tier",
    );
    expect(rules(web.synthesize()).map((r) => [r.port, r.address])).toEqual([
      ["80", "0.0.0.0/0"],
      ["443", "0.0.0.0/0"],
      ["8443", GROUP],
    ]);
  });

  it("refuses what is not a Port or a peer, naming the fix", () => {
    const g = new SecurityGroupPattern({ name: "plain" });
    expect(() => g.allowFrom(Peer.anyIpv4(), { protocol: 6, port: "80" } as unknown as Port)).toThrow(
      'SecurityGroupPattern "plain": allowFrom: the second argument must be a Port such as Port.tcp(5432) or Port.allTraffic(), got {"protocol":6,"port":"80"}',
    );
    expect(() => g.allowFrom(42 as unknown as string, Port.tcp(80))).toThrow(
      /address must be a Peer \(Peer\.ipv4\("10\.0\.0\.0\/8"\), Peer\.prefixList\(list\), Peer\.group\(web\)\)/,
    );
    // The model's own checks still apply: ICMPv6 with an IPv4 CIDR.
    expect(() => g.allowFrom(Peer.ipv4("10.0.0.0/8"), Port.icmpv6Ping())).toThrow(/protocol 58 \(ipv6-icmp\) is IPv6 only/);
  });
});

describe("DatabaseGroup with groups as applicationSources", () => {
  it("one engine-port rule per source group, described by the group's name", () => {
    const db = new DatabaseGroup({
      name: "database",
      engine: "postgres",
      outbound: "none",
      applicationSources: [{ securityGroupId: TOKEN, securityGroupName: "web" }, GROUP, Peer.ipv6("fd00:1::/64")],
    });
    const out = db.synthesize();
    expect(out.prefixLists).toEqual([]);
    expect(rules(out)).toEqual([
      {
        direction: "inbound",
        protocol: 6,
        port: "5432",
        address: "fd00:1::/64",
        description: "postgres from fd00:1::/64",
        icmp_type: null,
      },
      { direction: "inbound", protocol: 6, port: "5432", address: TOKEN, description: "postgres from group web", icmp_type: null },
      { direction: "inbound", protocol: 6, port: "5432", address: GROUP, description: `postgres from group ${GROUP}`, icmp_type: null },
    ]);
    expectValid(out);
  });

  it("refuses the world given as a Peer too", () => {
    expect(() => new DatabaseGroup({ name: "database", engine: "mysql", applicationSources: [Peer.anyIpv6()] })).toThrow(
      'DatabaseGroup "database": applicationSources contains ::/0; a database must not be open to the world. List the application servers\' security group (applicationSources: [web]), CIDRs or a prefix list',
    );
    expect(() => new DatabaseGroup({ name: "database", engine: "mysql", applicationSources: undefined as never })).toThrow(
      "applicationSources is required: the application servers allowed to connect, e.g. applicationSources: [web]",
    );
  });
});

describe("self", () => {
  it("Peer.self() renders to the address self, described as the group's members", () => {
    expect(Peer.self()).toBe("self");
    const g = new SecurityGroupPattern({ name: "etcd" }).allowFrom(Peer.self(), Port.tcpRange(2379, 2380));
    expect(rules(g.synthesize())[0]).toEqual({
      direction: "inbound",
      protocol: 6,
      port: "2379-2380",
      address: "self",
      description: "tcp/2379-2380 from the group's members",
      icmp_type: null,
    });
    expectValid(g.synthesize());
  });

  it("allowInternally: inbound from self; outbound to self too unless outbound is all (aws-cdk's connections.allowInternally)", () => {
    const open = new SecurityGroupPattern({ name: "etcd", dualStack: false }).allowInternally(Port.tcpRange(2379, 2380), "etcd peers");
    expect(rules(open.synthesize()).map((r) => [r.direction, r.port, r.address, r.description])).toEqual([
      ["inbound", "2379-2380", "self", "etcd peers"],
      ["outbound", "", "0.0.0.0/0", "Allow all outbound traffic"],
    ]);
    const closed = new SecurityGroupPattern({ name: "postgres", outbound: "none" }).allowInternally(Port.tcp(5432));
    const out = closed.synthesize();
    expect(rules(out).map((r) => [r.direction, r.port, r.address, r.description])).toEqual([
      ["inbound", "5432", "self", "tcp/5432 from the group's members"],
      ["outbound", "5432", "self", "tcp/5432 to the group's members"],
    ]);
    expectValid(out);
    expect(() => closed.allowInternally(5432 as unknown as Port)).toThrow(/allowInternally: the second argument must be a Port/);
  });

  it("a pattern's source lists take Peer.self(): replicas of a database reach each other", () => {
    const db = new DatabaseGroup({ name: "postgres", engine: "postgres", outbound: "none", applicationSources: [Peer.self(), GROUP] });
    expect(rules(db.synthesize()).map((r) => [r.address, r.description])).toEqual([
      ["self", "postgres from the group's members"],
      [GROUP, `postgres from group ${GROUP}`],
    ]);
  });
});
