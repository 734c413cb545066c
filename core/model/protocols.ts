/** Reference data: IP protocols and well-known services. */
import type { ProtocolInfo, ServiceInfo } from "./shapes/reference";

export const PROTOCOL = { ALL: 0, ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

export const PROTOCOLS: readonly ProtocolInfo[] = [
  { number: 0, name: "all", description: "All protocols", ports: false },
  { number: 1, name: "icmp", description: "Internet Control Message Protocol", ports: false },
  { number: 2, name: "igmp", description: "Internet Group Management Protocol", ports: false },
  { number: 4, name: "ipip", description: "IP in IP encapsulation", ports: false },
  { number: 6, name: "tcp", description: "Transmission Control Protocol", ports: true },
  { number: 17, name: "udp", description: "User Datagram Protocol", ports: true },
  { number: 41, name: "ipv6", description: "IPv6 encapsulation", ports: false },
  { number: 47, name: "gre", description: "Generic Routing Encapsulation", ports: false },
  { number: 50, name: "esp", description: "IPsec Encapsulating Security Payload", ports: false },
  { number: 51, name: "ah", description: "IPsec Authentication Header", ports: false },
  { number: 58, name: "ipv6-icmp", description: "ICMP for IPv6 (IPv6 addresses only)", ports: false },
  { number: 89, name: "ospf", description: "Open Shortest Path First", ports: false },
  { number: 112, name: "vrrp", description: "Virtual Router Redundancy Protocol", ports: false },
  { number: 132, name: "sctp", description: "Stream Control Transmission Protocol", ports: false },
];

const byNumber = new Map(PROTOCOLS.map((p) => [p.number, p]));

/**
 * The protocol names a rule may be written with (lower case, exactly as
 * listed), stored as their numbers: the names /vpc/reference/protocols gives
 * these protocols, plus `icmpv6` (nft's and RouterOS's name for 58).
 */
export const PROTOCOL_NAMES_ON_WRITE = {
  all: PROTOCOL.ALL,
  icmp: PROTOCOL.ICMP,
  tcp: PROTOCOL.TCP,
  udp: PROTOCOL.UDP,
  "ipv6-icmp": PROTOCOL.ICMPV6,
  icmpv6: PROTOCOL.ICMPV6,
} as const;
export type ProtocolNameOnWrite = keyof typeof PROTOCOL_NAMES_ON_WRITE;

/** A protocol as written (a number, or a name of PROTOCOL_NAMES_ON_WRITE the shape check accepted) as its number. */
export function protocolNumberOnWrite(protocol: number | ProtocolNameOnWrite): number {
  return typeof protocol === "number" ? protocol : PROTOCOL_NAMES_ON_WRITE[protocol];
}

export function protocolTakesPorts(protocol: number): boolean {
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP;
}

/** ICMP (1) and ICMPv6 (58): the protocols icmp_type and icmp_code apply to. */
export function protocolIsIcmp(protocol: number): boolean {
  return protocol === PROTOCOL.ICMP || protocol === PROTOCOL.ICMPV6;
}

/** The one address family a protocol exists in (ICMP: IPv4, ICMPv6: IPv6), undefined for the others. */
export function protocolFamily(protocol: number): 4 | 6 | undefined {
  return protocol === PROTOCOL.ICMP ? 4 : protocol === PROTOCOL.ICMPV6 ? 6 : undefined;
}

export function protocolName(protocol: number): string {
  return byNumber.get(protocol)?.name ?? `proto-${protocol}`;
}

export const SERVICES: readonly ServiceInfo[] = [
  { name: "ssh", protocol: 6, port: "22", description: "Secure Shell", sensitive: true },
  { name: "telnet", protocol: 6, port: "23", description: "Telnet", sensitive: true },
  { name: "smtp", protocol: 6, port: "25", description: "Mail transfer", sensitive: false },
  { name: "dns", protocol: 17, port: "53", description: "Domain Name System (UDP)", sensitive: false },
  { name: "dns-tcp", protocol: 6, port: "53", description: "Domain Name System (TCP)", sensitive: false },
  { name: "http", protocol: 6, port: "80", description: "Hypertext Transfer Protocol", sensitive: false },
  { name: "ntp", protocol: 17, port: "123", description: "Network Time Protocol", sensitive: false },
  { name: "snmp", protocol: 17, port: "161", description: "SNMP", sensitive: true },
  { name: "https", protocol: 6, port: "443", description: "HTTP over TLS", sensitive: false },
  { name: "smb", protocol: 6, port: "445", description: "Windows file sharing", sensitive: true },
  { name: "mssql", protocol: 6, port: "1433", description: "Microsoft SQL Server", sensitive: true },
  { name: "mysql", protocol: 6, port: "3306", description: "MySQL / MariaDB", sensitive: true },
  { name: "rdp", protocol: 6, port: "3389", description: "Remote Desktop Protocol", sensitive: true },
  { name: "postgres", protocol: 6, port: "5432", description: "PostgreSQL", sensitive: true },
  { name: "vnc", protocol: 6, port: "5900", description: "VNC remote desktop", sensitive: true },
  { name: "redis", protocol: 6, port: "6379", description: "Redis", sensitive: true },
  { name: "winbox", protocol: 6, port: "8291", description: "MikroTik Winbox", sensitive: true },
  { name: "elasticsearch", protocol: 6, port: "9200", description: "Elasticsearch HTTP", sensitive: true },
  { name: "node-exporter", protocol: 6, port: "9100", description: "Prometheus node exporter", sensitive: false },
  { name: "memcached", protocol: 6, port: "11211", description: "Memcached", sensitive: true },
  { name: "mongodb", protocol: 6, port: "27017", description: "MongoDB", sensitive: true },
];

export function service(name: string): ServiceInfo {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service "${name}"; known: ${SERVICES.map((s) => s.name).join(", ")}`);
  return found;
}
