/** Symbolic names the firewall tools print for protocols and ICMP fields (/etc/protocols, nft describe). */

const PROTOCOL_NUMBERS: Record<string, number> = {
  ip: 0,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ggp: 3,
  ipencap: 4,
  st: 5,
  tcp: 6,
  egp: 8,
  igp: 9,
  pup: 12,
  udp: 17,
  hmp: 20,
  "xns-idp": 22,
  rdp: 27,
  "iso-tp4": 29,
  dccp: 33,
  xtp: 36,
  ddp: 37,
  "idpr-cmtp": 38,
  ipv6: 41,
  "ipv6-route": 43,
  "ipv6-frag": 44,
  idrp: 45,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  skip: 57,
  "ipv6-icmp": 58,
  // RouterOS's name for it (and nft accepts it as a keyword).
  icmpv6: 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  rspf: 73,
  vmtp: 81,
  eigrp: 88,
  ospf: 89,
  "ax.25": 93,
  ipip: 94,
  etherip: 97,
  encap: 98,
  pim: 103,
  ipcomp: 108,
  vrrp: 112,
  l2tp: 115,
  isis: 124,
  sctp: 132,
  fc: 133,
  "mobility-header": 135,
  udplite: 136,
  "mpls-in-ip": 137,
  manet: 138,
  hip: 139,
  shim6: 140,
  wesp: 141,
  rohc: 142,
  ethernet: 143,
  // RouterOS spellings
  "ipsec-esp": 50,
  "ipsec-ah": 51,
  "ipv6-encap": 41,
  "udp-lite": 136,
};

const ICMP_TYPES: Record<string, number> = {
  "echo-reply": 0,
  "destination-unreachable": 3,
  "source-quench": 4,
  redirect: 5,
  "echo-request": 8,
  "router-advertisement": 9,
  "router-solicitation": 10,
  "time-exceeded": 11,
  "parameter-problem": 12,
  "timestamp-request": 13,
  "timestamp-reply": 14,
  "info-request": 15,
  "info-reply": 16,
  "address-mask-request": 17,
  "address-mask-reply": 18,
};

const ICMP_CODES: Record<string, number> = {
  "net-unreachable": 0,
  "host-unreachable": 1,
  "prot-unreachable": 2,
  "port-unreachable": 3,
  "frag-needed": 4,
  "net-prohibited": 9,
  "host-prohibited": 10,
  "admin-prohibited": 13,
};

function lookup(table: Record<string, number>, what: string, value: string | number): number {
  if (typeof value === "number") return value;
  if (/^[0-9]+$/.test(value)) return Number(value);
  const n = table[value];
  if (n === undefined) throw new Error(`unknown ${what} "${value}"`);
  return n;
}

export const protocolNumber = (v: string | number) => lookup(PROTOCOL_NUMBERS, "protocol", v);
export const icmpTypeNumber = (v: string | number) => lookup(ICMP_TYPES, "ICMP type", v);
export const icmpCodeNumber = (v: string | number) => lookup(ICMP_CODES, "ICMP code", v);
