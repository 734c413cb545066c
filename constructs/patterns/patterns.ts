/** WebServerGroup and friends: common server roles as SecurityGroupPatterns. */
import { PROTOCOL, SERVICES, canonicalAddressCidr, parsePorts, type AddressFamily } from "../../core/model";
import { SecurityGroupPattern } from "./group";
import { describePeer as label, isCidrPeer, peerFamily, type Peer } from "./peer";
import { ANYWHERE, ANYWHERE_IPV6, type SecurityGroupPatternProps } from "./spec";

/** The families a peer's rules must cover: a CIDR's own, both for a prefix list or group (it may hold either). */
function familiesOf(peer: Peer, dualStack: boolean): AddressFamily[] {
  const family = peerFamily(peer);
  if (family !== undefined) return [family];
  return dualStack ? [4, 6] : [4];
}

/** ICMP echo request in one family: ICMP (1) type 8 for IPv4, ICMPv6 (58) type 128 for IPv6. */
export function echoRequest(family: AddressFamily): { protocol: number; icmp_type: number; name: string } {
  return family === 4
    ? { protocol: PROTOCOL.ICMP, icmp_type: 8, name: "ICMP echo" }
    : { protocol: PROTOCOL.ICMPV6, icmp_type: 128, name: "ICMPv6 echo" };
}

export interface WebServerGroupProps extends SecurityGroupPatternProps {
  /**
   * Who may reach HTTP and HTTPS: CIDRs of either family, prefix lists.
   * @default anywhere: ["0.0.0.0/0", "::/0"] (["0.0.0.0/0"] with dualStack: false)
   */
  readonly sources?: readonly Peer[];
  /** Allow HTTP (TCP 80). @default true */
  readonly http?: boolean;
  /** Allow HTTPS (TCP 443). @default true */
  readonly https?: boolean;
  /**
   * Who may use SSH: prefix lists, or CIDRs (gathered into a new prefix list
   * named "<name>-admins"). @default no SSH
   */
  readonly adminSources?: readonly Peer[];
  /** @default "22" */
  readonly sshPort?: string;
}

/** HTTP and HTTPS from anywhere (or given sources), SSH from an admin prefix list. */
export class WebServerGroup extends SecurityGroupPattern {
  constructor(props: WebServerGroupProps, kind = "WebServerGroup") {
    super(props, kind);
    const http = props.http ?? true;
    const https = props.https ?? true;
    if (!http && !https)
      throw this.error("http and https are both false; enable one, or use SecurityGroupPattern for a group without web ports");
    const sources = this.peers(props.sources ?? this.anywhere(), "sources");
    for (const source of sources) {
      if (http)
        this.addPatternRule({
          direction: "inbound",
          protocol: PROTOCOL.TCP,
          port: "80",
          address: source,
          description: `HTTP from ${label(source)}`,
        });
      if (https)
        this.addPatternRule({
          direction: "inbound",
          protocol: PROTOCOL.TCP,
          port: "443",
          address: source,
          description: `HTTPS from ${label(source)}`,
        });
    }
    if (props.adminSources !== undefined) {
      this.addSshRules(props.adminSources, props.sshPort ?? "22");
    }
  }
}

export interface BastionGroupProps extends SecurityGroupPatternProps {
  /** Who may use SSH: prefix lists, or CIDRs (gathered into "<name>-admins"). Required. */
  readonly adminSources: readonly Peer[];
  /** @default "22" */
  readonly sshPort?: string;
}

/** SSH from administrators only; outbound as configured (default all, to reach the hosts behind it). */
export class BastionGroup extends SecurityGroupPattern {
  constructor(props: BastionGroupProps) {
    super(props, "BastionGroup");
    if (!props.adminSources) throw this.error("adminSources is required: the CIDRs or prefix lists allowed to SSH in");
    this.addSshRules(props.adminSources, props.sshPort ?? "22");
  }
}

/** Engines DatabaseGroup knows, with their default port (from core/model's service table). */
export const DATABASE_ENGINES = ["postgres", "mysql", "mssql", "mongodb", "redis", "memcached", "elasticsearch"] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export interface DatabaseGroupProps extends SecurityGroupPatternProps {
  /** Database engine; sets the port. */
  readonly engine: DatabaseEngine;
  /** Override the engine's default port, e.g. "5433". */
  readonly port?: string;
  /**
   * Application servers allowed to connect: their security groups (e.g. a
   * WebServerGroup: whichever sites it is attached to, now or later), CIDRs of
   * either family, prefix lists. Required; "0.0.0.0/0" and "::/0" are refused.
   */
  readonly applicationSources: readonly Peer[];
}

/** The engine port from given application sources only. */
export class DatabaseGroup extends SecurityGroupPattern {
  constructor(props: DatabaseGroupProps) {
    super(props, "DatabaseGroup");
    const service = SERVICES.find((s) => s.name === props.engine);
    if (!service || !(DATABASE_ENGINES as readonly string[]).includes(props.engine)) {
      throw this.error(
        `engine must be one of ${DATABASE_ENGINES.join(", ")}, got ${JSON.stringify(props.engine)}; use SecurityGroupPattern for other engines`,
      );
    }
    if (!Array.isArray(props.applicationSources)) {
      throw this.error(
        "applicationSources is required: the application servers allowed to connect, e.g. applicationSources: [web] (their security group)",
      );
    }
    const world = props.applicationSources
      .map((s) => (isCidrPeer(s) ? s.cidr : s))
      .find((s) => typeof s === "string" && [ANYWHERE, ANYWHERE_IPV6].includes(canonicalAddressCidr(s) ?? ""));
    if (world !== undefined) {
      throw this.error(
        `applicationSources contains ${String(world)}; a database must not be open to the world. List the application servers' security group (applicationSources: [web]), CIDRs or a prefix list`,
      );
    }
    const port = props.port ?? service.port;
    const parsed = parsePorts(port);
    if (!parsed.ok) throw this.error(`port: ${parsed.message}`);
    for (const source of this.peers(props.applicationSources, "applicationSources")) {
      this.addPatternRule({
        direction: "inbound",
        protocol: service.protocol,
        port: parsed.normalized,
        address: source,
        description: `${props.engine} from ${label(source)}`,
      });
    }
  }
}

export interface DnsServerGroupProps extends SecurityGroupPatternProps {
  /**
   * Clients allowed to query: CIDRs of either family, prefix lists.
   * @default anywhere: ["0.0.0.0/0", "::/0"] (["0.0.0.0/0"] with dualStack: false)
   */
  readonly clientSources?: readonly Peer[];
}

/** DNS over UDP and TCP port 53. */
export class DnsServerGroup extends SecurityGroupPattern {
  constructor(props: DnsServerGroupProps) {
    super(props, "DnsServerGroup");
    for (const source of this.peers(props.clientSources ?? this.anywhere(), "clientSources")) {
      this.addPatternRule({
        direction: "inbound",
        protocol: PROTOCOL.UDP,
        port: "53",
        address: source,
        description: `DNS (UDP) from ${label(source)}`,
      });
      this.addPatternRule({
        direction: "inbound",
        protocol: PROTOCOL.TCP,
        port: "53",
        address: source,
        description: `DNS (TCP) from ${label(source)}`,
      });
    }
  }
}

export interface MonitoringGroupProps extends SecurityGroupPatternProps {
  /** Monitoring servers (CIDRs or prefix lists). Required. */
  readonly monitoringSources: readonly Peer[];
  /** Exporter ports scraped over TCP. @default ["9100"] (node exporter) */
  readonly exporterPorts?: readonly (string | number)[];
  /**
   * Allow echo requests (ping): ICMP (1, type 8) from IPv4 sources, ICMPv6 (58,
   * type 128) from IPv6 ones, both from a prefix list (ICMP only with dualStack: false).
   * @default true
   */
  readonly icmpEcho?: boolean;
}

/** ICMP/ICMPv6 echo and exporter ports from monitoring servers. */
export class MonitoringGroup extends SecurityGroupPattern {
  constructor(props: MonitoringGroupProps) {
    super(props, "MonitoringGroup");
    if (!props.monitoringSources) throw this.error("monitoringSources is required: the monitoring servers' CIDRs or prefix lists");
    const ports = (props.exporterPorts ?? ["9100"]).map(String);
    let port = "";
    if (ports.length > 0) {
      const parsed = parsePorts(ports.join(","));
      if (!parsed.ok) throw this.error(`exporterPorts: ${parsed.message}`);
      port = parsed.normalized;
    }
    const icmp = props.icmpEcho ?? true;
    if (!icmp && !port) throw this.error("icmpEcho is false and exporterPorts is empty; the group would allow nothing in");
    for (const source of this.peers(props.monitoringSources, "monitoringSources")) {
      for (const family of icmp ? familiesOf(source, this.dualStack) : []) {
        const echo = echoRequest(family);
        this.addPatternRule({
          direction: "inbound",
          protocol: echo.protocol,
          port: "",
          icmp_type: echo.icmp_type,
          address: source,
          description: `${echo.name} from ${label(source)}`,
        });
      }
      if (port) {
        this.addPatternRule({
          direction: "inbound",
          protocol: PROTOCOL.TCP,
          port,
          address: source,
          description: `Exporters from ${label(source)}`,
        });
      }
    }
  }
}
