/** The IPv4 addresses and TCP port of the control plane, for the exception that keeps it reachable. */
import { lookup } from "node:dns/promises";
import { isIPv4 } from "node:net";
import type { ControlPlaneAddress } from "../platforms/platform";

export async function resolveControlPlane(endpoint: string): Promise<ControlPlaneAddress[]> {
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIPv4(host) ? [host] : (await lookup(host, { all: true, family: 4 })).map((a) => a.address);
  return [...new Set(addresses)].sort().map((address) => ({ address, port }));
}
