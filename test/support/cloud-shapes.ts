/**
 * Policy documents written in the neighbours' shapes, for import round trips:
 * AWS describe-security-groups JSON, Cloud Foundry ASG rule files, Genesis
 * Cloud security groups. Only what those shapes can say: accept rules (all
 * three), outbound only (CF), no ICMP type (Genesis). Prefix lists are written
 * out as their CIDRs, since none of the three has them.
 */
import {
  formatCidr,
  formatCidr6,
  listedAddressRange,
  listedAddressRange6,
  parsePorts,
  protocolNumberOnWrite,
  rangeToCidrs,
  rangeToCidrs6,
  type FilterRuleWrite,
} from "../../core/model";
import type { PolicyDocumentInput } from "../../core/policy";

type Rule = FilterRuleWrite & { id?: string };

/**
 * The rule's addresses, of the family its protocol allows (ICMP: IPv4, ICMPv6: IPv6), as
 * the model narrows them; `cidrsOnly` writes ranges as their CIDRs (AWS and Genesis take none).
 */
function addressesOf(doc: PolicyDocumentInput, rule: Rule, cidrsOnly = true): string[] {
  const protocol = protocolNumberOnWrite(rule.protocol);
  const all = rule.address.startsWith("prfx_lst_")
    ? (doc.prefix_lists ?? []).find((l) => l.id === rule.address)!.prefixes.map((p) => p.cidr)
    : [rule.address];
  return all
    .filter((c) => (protocol === 1 ? !c.includes(":") : protocol === 58 ? c.includes(":") : true))
    .flatMap((c) =>
      !cidrsOnly || !c.includes("-")
        ? [c]
        : c.includes(":")
          ? rangeToCidrs6(listedAddressRange6(c)).map(formatCidr6)
          : rangeToCidrs(listedAddressRange(c)).map(formatCidr),
    );
}

const portRanges = (r: Rule) =>
  r.port && r.port !== "" ? (parsePorts(r.port) as { ok: true; ranges: { from: number; to: number }[] }).ranges : [null];

/** Makes a random document fit a shape: accept only, and what else `shape` needs. */
export function fitTo(doc: PolicyDocumentInput, shape: "aws" | "cf-asg" | "genesis"): PolicyDocumentInput {
  return {
    ...doc,
    security_groups: doc.security_groups.map((g) => ({
      ...g,
      rules: g.rules
        .map((r) => ({
          ...r,
          protocol: protocolNumberOnWrite(r.protocol),
          icmp_type: r.icmp_type === -1 ? null : r.icmp_type,
          icmp_code: r.icmp_code === -1 ? null : r.icmp_code,
        }))
        .filter((r) => shape !== "genesis" || [0, 1, 6, 17].includes(r.protocol))
        .filter((r) => shape !== "cf-asg" || [0, 1, 6, 17, 58].includes(r.protocol))
        .map((r) => ({
          ...r,
          action: "accept" as const,
          log: shape === "cf-asg" ? r.log : false,
          direction: shape === "cf-asg" ? ("outbound" as const) : r.direction,
          ...(shape === "genesis" ? { icmp_type: null, icmp_code: null } : {}),
        })),
    })),
  };
}

export function toAws(doc: PolicyDocumentInput): unknown {
  return {
    SecurityGroups: doc.security_groups.map((g, i) => {
      const permissions = (direction: string) =>
        g.rules
          .filter((r) => r.direction === direction)
          .flatMap((r) =>
            portRanges(r).map((ports) => {
              const icmp = r.protocol === 1 || r.protocol === 58;
              const cidrs = addressesOf(doc, r);
              return {
                IpProtocol:
                  r.protocol === 0
                    ? "-1"
                    : r.protocol === 6
                      ? "tcp"
                      : r.protocol === 17
                        ? "udp"
                        : r.protocol === 1
                          ? "icmp"
                          : String(r.protocol),
                ...(ports
                  ? { FromPort: ports.from, ToPort: ports.to }
                  : icmp
                    ? { FromPort: r.icmp_type ?? -1, ToPort: r.icmp_code ?? -1 }
                    : {}),
                IpRanges: cidrs.filter((c) => !c.includes(":")).map((c) => ({ CidrIp: c, Description: r.description })),
                Ipv6Ranges: cidrs.filter((c) => c.includes(":")).map((c) => ({ CidrIpv6: c, Description: r.description })),
                PrefixListIds: [],
                UserIdGroupPairs: [],
              };
            }),
          );
      return {
        GroupId: `sg-${(0x10000000 + i).toString(16)}`,
        GroupName: g.name,
        Description: g.description ?? "group",
        VpcId: "vpc-0a1b2c3d",
        OwnerId: "123456789012",
        IpPermissions: permissions("inbound"),
        IpPermissionsEgress: permissions("outbound"),
      };
    }),
  };
}

export function toCfAsg(doc: PolicyDocumentInput): unknown {
  return doc.security_groups.flatMap((g) =>
    g.rules
      .filter((r) => addressesOf(doc, r).length > 0)
      .map((r) => ({
        protocol: r.protocol === 0 ? "all" : r.protocol === 6 ? "tcp" : r.protocol === 17 ? "udp" : r.protocol === 1 ? "icmp" : "icmpv6",
        destination: addressesOf(doc, r, false).join(","),
        ...(r.port ? { ports: r.port.replace(/\s/g, "") } : {}),
        ...(r.protocol === 1 || r.protocol === 58 ? { type: r.icmp_type ?? -1, code: r.icmp_code ?? -1 } : {}),
        log: Boolean(r.log),
        description: r.description,
      })),
  );
}

export function toGenesis(doc: PolicyDocumentInput): unknown {
  return {
    security_groups: doc.security_groups.map((g) => ({
      id: "2b7e4d0e-2d3f-4f7c-9a55-0d1b0f3b9c11",
      name: g.name,
      description: g.description ?? "",
      status: "created",
      rules: g.rules.flatMap((r) =>
        addressesOf(doc, r).flatMap((cidr) =>
          portRanges(r).map((ports) => ({
            direction: r.direction === "inbound" ? "ingress" : "egress",
            protocol: r.protocol === 0 ? "all" : r.protocol === 6 ? "tcp" : r.protocol === 17 ? "udp" : "icmp",
            ...(ports ? { port_range_min: ports.from, port_range_max: ports.to } : {}),
            remote_ip_prefix: cidr,
          })),
        ),
      ),
    })),
  };
}
