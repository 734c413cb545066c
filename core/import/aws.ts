/**
 * `--from aws`: `aws ec2 describe-security-groups` JSON ({ "SecurityGroups": [...] }).
 * Each group becomes a group of ours (IpPermissions inbound, IpPermissionsEgress
 * outbound), each IpRanges / Ipv6Ranges entry one rule. A UserIdGroupPairs entry
 * naming a group of the same file becomes a reference to that group (`sec_grp_`
 * address) where the core accepts group references, else a report line, as for
 * any other group and for PrefixListIds (the file does not hold their members).
 */
import { mergeRanges, mergeRanges6, type Direction } from "../model";
import { DocumentBuilder } from "./document";
import { cloudAddress, cloudProtocol, icmpField } from "./cloud";
import { ImportInputError, type ImportOptions, type ImportResult } from "./source";
import type { Omission } from "./report";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function importAws(text: string, options: ImportOptions = {}): ImportResult {
  let parsed: Json;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ImportInputError(`not JSON: ${(err as Error).message}`);
  }
  const groups: Json[] = Array.isArray(parsed) ? parsed : parsed?.SecurityGroups;
  if (!Array.isArray(groups)) throw new ImportInputError('expected { "SecurityGroups": [...] } (aws ec2 describe-security-groups output)');
  const builder = new DocumentBuilder(options.name ?? "imported");
  const ourId = new Map<string, string>();
  for (const g of groups) if (typeof g?.GroupId === "string") ourId.set(g.GroupId, builder.groupId(groupName(g)));
  groups.forEach((g: Json, gi: number) => {
    if (!g || typeof g !== "object") throw new ImportInputError(`SecurityGroups[${gi}] is not an object`);
    const group = { name: groupName(g), description: g.Description ?? undefined };
    for (const [key, direction] of [
      ["IpPermissions", "inbound"],
      ["IpPermissionsEgress", "outbound"],
    ] as const) {
      const permissions: Json[] = g[key] ?? [];
      if (!Array.isArray(permissions)) throw new ImportInputError(`SecurityGroups[${gi}].${key} is not an array`);
      permissions.forEach((p: Json, pi: number) => {
        const where = `SecurityGroups[${gi}].${key}[${pi}]`;
        const omit = (reason: string, text?: string) => builder.omissions.push({ source: { where, text }, reason });
        const protocol = cloudProtocol(p.IpProtocol);
        if (protocol === undefined) return omit(`not imported: unknown IpProtocol ${JSON.stringify(p.IpProtocol)}`);
        const icmp = protocol === 1 || protocol === 58;
        const ports = protocol === 6 || protocol === 17 ? portRange(p.FromPort, p.ToPort) : null;
        if (!icmp && ports === null && portRange(p.FromPort, p.ToPort) !== null)
          return omit(`not imported: ports ${p.FromPort}-${p.ToPort} on protocol ${p.IpProtocol} (ports apply to TCP and UDP only)`);
        if (ports === undefined) return omit(`not imported: port range ${p.FromPort}-${p.ToPort}`);
        const icmpType = icmp ? icmpField(p.FromPort) : null;
        const icmpCode = icmp ? icmpField(p.ToPort) : null;
        if (icmpType === undefined || icmpCode === undefined || (icmpType === null && icmpCode !== null))
          return omit(`not imported: ICMP type/code ${p.FromPort}/${p.ToPort}`);
        const add = (address: { ranges: Json[]; ranges6: Json[] } | { list: string }, description: string | undefined) =>
          builder.add(
            {
              direction: direction as Direction,
              protocol,
              ports,
              icmpType,
              icmpCode,
              peer: "list" in address ? { kind: "list", id: address.list } : { kind: "addresses", ...address },
              action: "accept",
              log: false,
              description: description || `${g.GroupId ?? group.name} ${key}[${pi}]`,
              source: { where },
            },
            group,
          );
        // One peer for all ranges of a permission (they share protocol and ports): a few become rules, more a prefix list.
        const ranges: Json[] = [];
        const ranges6: Json[] = [];
        const descriptions = new Set<string>();
        for (const r of p.IpRanges ?? []) {
          const a = typeof r?.CidrIp === "string" ? cloudAddress(r.CidrIp) : undefined;
          if (!a || a.ranges6.length) omit(`not imported: CidrIp ${JSON.stringify(r?.CidrIp)} is not an IPv4 CIDR`);
          else if (protocol === 58) omit("not imported: ICMPv6 to an IPv4 range matches nothing", r.CidrIp);
          else {
            ranges.push(...a.ranges);
            if (r.Description) descriptions.add(r.Description);
          }
        }
        for (const r of p.Ipv6Ranges ?? []) {
          const a = typeof r?.CidrIpv6 === "string" ? cloudAddress(r.CidrIpv6) : undefined;
          if (!a || a.ranges.length) omit(`not imported: CidrIpv6 ${JSON.stringify(r?.CidrIpv6)} is not an IPv6 CIDR`);
          else if (protocol === 1) omit("not imported: ICMP (IPv4) to an IPv6 range matches nothing; AWS uses icmpv6 for IPv6", r.CidrIpv6);
          else {
            ranges6.push(...a.ranges6);
            if (r.Description) descriptions.add(r.Description);
          }
        }
        if (ranges.length || ranges6.length)
          add({ ranges: mergeRanges(ranges), ranges6: mergeRanges6(ranges6) }, [...descriptions].join("; ") || undefined);
        for (const r of p.PrefixListIds ?? [])
          omit(
            "not imported: a managed prefix list (its entries are not in this file; import them as a prefix list first)",
            r?.PrefixListId,
          );
        for (const r of p.UserIdGroupPairs ?? []) {
          const target = ourId.get(r?.GroupId);
          // A group of this file becomes a reference to its members (#15); any other is unknown here.
          if (target) add({ list: target }, r.Description);
          else omit("not imported: refers to a security group that is not in this file", r?.GroupId);
        }
      });
    }
  });
  const document = builder.build();
  return { document, omissions: builder.omissions as Omission[] };
}

function groupName(g: Json): string {
  return String(g.GroupName ?? g.GroupId ?? "aws group");
}

function portRange(from: unknown, to: unknown): { from: number; to: number }[] | null | undefined {
  if ((from === undefined || from === -1) && (to === undefined || to === -1)) return null;
  const a = Number(from);
  const b = Number(to ?? from);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a > b || b > 65535 || a < 0) return undefined;
  if (a <= 1 && b === 65535) return null;
  return [{ from: Math.max(1, a), to: b }];
}
