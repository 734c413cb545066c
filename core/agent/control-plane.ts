/** The IPv4 and IPv6 addresses and TCP port of the control plane, for the exception that keeps it reachable. */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { formatIPv6, parseIPv6 } from "../model";
import type { ControlPlaneAddress } from "../platforms/platform";

export async function resolveControlPlane(endpoint: string): Promise<ControlPlaneAddress[]> {
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  // IPv6 in RFC 5952 text, so the same endpoint always renders the same set element.
  const canonical = addresses.map((a) => (a.includes(":") ? formatIPv6(parseIPv6(a)!) : a));
  return [...new Set(canonical)].sort().map((address) => ({ address, port }));
}
