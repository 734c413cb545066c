/** WebServerGroup and friends: common server roles as SecurityGroupPatterns. */
import { PROTOCOL, SERVICES, parsePorts } from "../../core/model";
import { SecurityGroupPattern } from "./group";
import { ANYWHERE, type Peer, type SecurityGroupPatternProps } from "./spec";

function label(peer: Peer): string {
  if (typeof peer === "string") return peer === ANYWHERE ? "anywhere" : peer;
  return "prefix list";
}

export interface WebServerGroupProps extends SecurityGroupPatternProps {
  /** Who may reach HTTP and HTTPS. @default ["0.0.0.0/0"] */
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
    const sources = this.peers(props.sources ?? [ANYWHERE], "sources");
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
  /** Application servers allowed to connect (CIDRs or prefix lists). Required; "0.0.0.0/0" is refused. */
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
    if (!props.applicationSources) throw this.error("applicationSources is required: the application servers allowed to connect");
    if (props.applicationSources.some((s) => s === ANYWHERE)) {
      throw this.error(
        `applicationSources contains 0.0.0.0/0; a database must not be open to the world. List the application servers' CIDRs or a prefix list`,
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
  /** Clients allowed to query. @default ["0.0.0.0/0"] */
  readonly clientSources?: readonly Peer[];
}

/** DNS over UDP and TCP port 53. */
export class DnsServerGroup extends SecurityGroupPattern {
  constructor(props: DnsServerGroupProps) {
    super(props, "DnsServerGroup");
    for (const source of this.peers(props.clientSources ?? [ANYWHERE], "clientSources")) {
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
  /** Allow ICMP echo requests (ping). @default true */
  readonly icmpEcho?: boolean;
}

/** ICMP echo and exporter ports from monitoring servers. */
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
      if (icmp) {
        this.addPatternRule({
          direction: "inbound",
          protocol: PROTOCOL.ICMP,
          port: "",
          icmp_type: 8,
          address: source,
          description: `ICMP echo from ${label(source)}`,
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
