/**
 * `--from cf-asg`: a Cloud Foundry application security group rule file, a JSON
 * array of { protocol: tcp|udp|icmp|icmpv6|all, destination (CIDR, IP, range
 * a-b, or a comma list of those), ports ("443", "8080-8090", "80,443"), type
 * and code (ICMP; -1 = any), log, description }. ASGs are egress rules: every
 * rule is outbound. The group is named after the file (--name).
 */
import { parsePorts } from "../model";
import { DocumentBuilder } from "./document";
import { cloudAddresses, cloudProtocol, icmpField } from "./cloud";
import { ImportInputError, type ImportOptions, type ImportResult } from "./source";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function importCfAsg(text: string, options: ImportOptions = {}): ImportResult {
  let rules: Json;
  try {
    rules = JSON.parse(text);
  } catch (err) {
    throw new ImportInputError(`not JSON: ${(err as Error).message}`);
  }
  if (rules && !Array.isArray(rules) && Array.isArray(rules.rules)) rules = rules.rules; // a v3 API security group
  if (!Array.isArray(rules)) throw new ImportInputError("expected a JSON array of ASG rules");
  const name = options.name ?? "imported";
  const builder = new DocumentBuilder(name);
  rules.forEach((r: Json, i: number) => {
    const where = `[${i}]`;
    const omit = (reason: string) => builder.omissions.push({ source: { where, text: JSON.stringify(r) }, reason });
    if (!r || typeof r !== "object") throw new ImportInputError(`rule ${where} is not an object`);
    const protocol = cloudProtocol(r.protocol);
    if (protocol === undefined) return omit(`not imported: unknown protocol ${JSON.stringify(r.protocol)}`);
    const addresses = typeof r.destination === "string" ? cloudAddresses(r.destination) : undefined;
    if (!addresses) return omit(`not imported: destination ${JSON.stringify(r.destination)} is not a CIDR, address or range`);
    let ports = null;
    if (protocol !== 6 && protocol !== 17 && r.ports !== undefined && r.ports !== "")
      return omit(`not imported: ports ${JSON.stringify(r.ports)} on protocol ${r.protocol} (ports apply to TCP and UDP only)`);
    if (protocol === 6 || protocol === 17) {
      const parsed = parsePorts(String(r.ports ?? "1-65535"));
      if (!parsed.ok) return omit(`not imported: ports: ${parsed.message}`);
      ports = parsed.ranges.length === 1 && parsed.ranges[0].from === 1 && parsed.ranges[0].to === 65535 ? null : parsed.ranges;
    }
    const icmp = protocol === 1 || protocol === 58;
    const icmpType = icmp ? icmpField(r.type) : null;
    const icmpCode = icmp ? icmpField(r.code) : null;
    if (icmpType === undefined || icmpCode === undefined || (icmpType === null && icmpCode !== null))
      return omit(`not imported: ICMP type/code ${r.type}/${r.code}`);
    // ICMP reaches only IPv4 destinations and ICMPv6 only IPv6 ones.
    const peer = {
      kind: "addresses" as const,
      ranges: protocol === 58 ? [] : addresses.ranges,
      ranges6: protocol === 1 ? [] : addresses.ranges6,
    };
    if (!peer.ranges.length && !peer.ranges6.length) return omit("not imported: the protocol's family has no address in the destination");
    builder.add(
      {
        direction: "outbound",
        protocol,
        ports,
        icmpType,
        icmpCode,
        peer,
        action: "accept",
        log: r.log === true,
        description: typeof r.description === "string" && r.description ? r.description : `ASG rule ${i + 1}`,
        source: { where },
      },
      { name, description: "Imported Cloud Foundry ASG rules" },
    );
  });
  return { document: builder.build(), omissions: builder.omissions };
}
