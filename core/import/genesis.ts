/**
 * `--from genesis`: Genesis Cloud security groups JSON: `{ "security_groups": [...] }`
 * (the list API), `{ "security_group": {...} }`, one group, or an array of groups;
 * each group { name, description, rules: [{ direction: ingress|egress, protocol:
 * tcp|udp|icmp|all, port_range_min, port_range_max, remote_ip_prefix }] }. A rule
 * without remote_ip_prefix is any address (IPv4 and IPv6); without ports, every port.
 */
import { ALL_ADDRESSES, ALL_ADDRESSES6 } from "../policy";
import { DocumentBuilder } from "./document";
import { cloudAddresses, cloudProtocol } from "./cloud";
import { ImportInputError, type ImportOptions, type ImportResult } from "./source";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function importGenesis(text: string, options: ImportOptions = {}): ImportResult {
  let parsed: Json;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ImportInputError(`not JSON: ${(err as Error).message}`);
  }
  const groups: Json[] = Array.isArray(parsed)
    ? parsed
    : Array.isArray(parsed?.security_groups)
      ? parsed.security_groups
      : parsed?.security_group
        ? [parsed.security_group]
        : parsed && Array.isArray(parsed.rules)
          ? [parsed]
          : (undefined as never);
  if (!groups) throw new ImportInputError('expected { "security_groups": [...] }, { "security_group": {...} } or a group with "rules"');
  const builder = new DocumentBuilder(options.name ?? "imported");
  groups.forEach((g: Json, gi: number) => {
    if (!g || !Array.isArray(g.rules)) throw new ImportInputError(`security_groups[${gi}] has no "rules" array`);
    const group = { name: String(g.name ?? g.id ?? `genesis group ${gi + 1}`), description: g.description || undefined };
    g.rules.forEach((r: Json, ri: number) => {
      const where = `security_groups[${gi}].rules[${ri}]`;
      const omit = (reason: string) => builder.omissions.push({ source: { where, text: JSON.stringify(r) }, reason });
      const direction = r?.direction === "ingress" ? "inbound" : r?.direction === "egress" ? "outbound" : undefined;
      if (!direction) return omit(`not imported: direction ${JSON.stringify(r?.direction)} is neither ingress nor egress`);
      const protocol = cloudProtocol(r.protocol);
      if (protocol === undefined) return omit(`not imported: unknown protocol ${JSON.stringify(r.protocol)}`);
      const remote = r.remote_ip_prefix;
      const addresses =
        remote === undefined || remote === null || remote === ""
          ? { ranges: [...ALL_ADDRESSES], ranges6: [...ALL_ADDRESSES6] }
          : typeof remote === "string"
            ? cloudAddresses(remote)
            : undefined;
      if (!addresses) return omit(`not imported: remote_ip_prefix ${JSON.stringify(remote)} is not a CIDR`);
      let ports = null;
      if (protocol !== 6 && protocol !== 17 && (r.port_range_min != null || r.port_range_max != null))
        return omit(`not imported: ports on protocol ${r.protocol} (ports apply to TCP and UDP only)`);
      if (protocol === 6 || protocol === 17) {
        const min = r.port_range_min ?? 1;
        const max = r.port_range_max ?? r.port_range_min ?? 65535;
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max)
          return omit(`not imported: port range ${r.port_range_min}-${r.port_range_max}`);
        ports = min === 1 && max === 65535 ? null : [{ from: min, to: max }];
      }
      const peer = {
        kind: "addresses" as const,
        ranges: protocol === 58 ? [] : addresses.ranges,
        ranges6: protocol === 1 ? [] : addresses.ranges6,
      };
      if (!peer.ranges.length && !peer.ranges6.length)
        return omit("not imported: the protocol's family has no address in remote_ip_prefix");
      builder.add(
        {
          direction,
          protocol,
          ports,
          icmpType: null,
          icmpCode: null,
          peer,
          action: "accept",
          log: false,
          description: r.description || `${group.name} rule ${ri + 1}`,
          source: { where },
        },
        group,
      );
    });
  });
  return { document: builder.build(), omissions: builder.omissions };
}
