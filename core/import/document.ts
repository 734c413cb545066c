/**
 * Builds the API-shaped policy document an import prints: prefix lists with
 * the names their sets had, one security group per direction (orders are
 * unique in a group, so each direction gets its own 1-250), rules in source
 * order. Ids are derived from names (same input, same document), so a second
 * import of the same file names the same objects. Addresses are written as
 * the model stores them: a range that is exactly one CIDR as that CIDR, any
 * other as `first-last`; a peer of more than a few ranges becomes a prefix
 * list of its own.
 */
import { createHash } from "node:crypto";
import {
  formatAddressRange,
  formatAddressRange6,
  formatPorts,
  ID_BODY_LENGTH,
  LIMITS,
  MAX_PORT_ITEMS,
  protocolTakesPorts,
  type Action,
  type AddressRange,
  type AddressRange6,
  type Direction,
  type FilterRuleWrite,
  type PortRange,
} from "../model";
import type { PolicyDocumentInput } from "../policy";
import { type Omission } from "./report";

/** Whom a rule matches: a named set (prefix list), or addresses of one or both families. */
export type Peer = { kind: "list"; id: string } | { kind: "addresses"; ranges: readonly AddressRange[]; ranges6: readonly AddressRange6[] };

export interface ImportedRule {
  direction: Direction;
  protocol: number;
  ports: readonly PortRange[] | null;
  icmpType: number | null;
  icmpCode: number | null;
  peer: Peer;
  action: Action;
  log: boolean;
  description: string;
  /** Where the rule came from, for the report when it does not fit. */
  source: Omission["source"];
}

/** Peers of at most this many CIDRs become one rule per CIDR; more become a prefix list. */
const EXPAND_AT_MOST = 3;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A stable id body from a text: 27 base62 characters of its SHA-256. */
export function stableIdBody(text: string): string {
  let n = BigInt("0x" + createHash("sha256").update(text).digest("hex"));
  let out = "";
  for (let i = 0; i < ID_BODY_LENGTH; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

type DocumentPrefixList = NonNullable<PolicyDocumentInput["prefix_lists"]>[number];
type DocumentGroup = PolicyDocumentInput["security_groups"][number];

export class DocumentBuilder {
  private readonly lists = new Map<string, DocumentPrefixList>();
  private readonly listByContent = new Map<string, string>();
  private readonly names = new Set<string>();
  private readonly groups: { name: string; description: string; direction?: Direction; rules: ImportedRule[] }[] = [];
  readonly omissions: Omission[] = [];

  /** `base` names the groups ("<base> inbound"); `scope` makes ids differ between imports of different files. */
  constructor(
    private readonly base: string,
    private readonly scope = base,
  ) {}

  /** A prefix list with these addresses, named `name` (made unique); returns its id. */
  prefixList(name: string, ranges: readonly AddressRange[], ranges6: readonly AddressRange6[], description: string | null = null): string {
    const cidrs = cidrTexts(ranges, ranges6);
    let unique = name.slice(0, LIMITS.prefixListName.max) || "list";
    for (let n = 2; this.names.has(unique); n++) unique = `${name} ${n}`;
    this.names.add(unique);
    const id = `prfx_lst_${stableIdBody(`${this.scope}\0list\0${unique}`)}`;
    const prefixes = cidrs.slice(0, LIMITS.prefixes).map((cidr) => ({ cidr, description: null }));
    if (cidrs.length > LIMITS.prefixes)
      this.omissions.push({
        source: { text: `set ${name}` },
        reason: `holds ${cidrs.length} CIDRs; a prefix list holds at most ${LIMITS.prefixes}, the rest is left out`,
      });
    this.lists.set(id, { id, name: unique, description, prefixes });
    return id;
  }

  /** Adds rules to the group of `direction` (or to a named group of their own, for sources that have groups). */
  add(rule: ImportedRule, group?: { name: string; description?: string }): void {
    const name = group?.name ?? `${this.base} ${rule.direction}`;
    let target = this.groups.find((g) => g.name === name && (group || g.direction === rule.direction));
    if (!target) {
      target = {
        name,
        description: group?.description ?? `Imported ${rule.direction} rules`,
        direction: group ? undefined : rule.direction,
        rules: [],
      };
      this.groups.push(target);
    }
    target.rules.push(rule);
  }

  /** The id the group of this name gets in the document (sources that refer to their groups need it first). */
  groupId(name: string): string {
    return `sec_grp_${stableIdBody(`${this.scope}\0group\0${groupNameOf(name)}`)}`;
  }

  build(): PolicyDocumentInput {
    const groups: DocumentGroup[] = [];
    for (const g of this.groups) {
      const rules: (FilterRuleWrite & { id?: string })[] = [];
      for (const rule of g.rules) {
        for (const r of this.expand(rule)) {
          if (rules.length >= LIMITS.rules) {
            this.omissions.push({ source: rule.source, reason: `group "${g.name}" is full (at most ${LIMITS.rules} rules)` });
            break;
          }
          rules.push({ ...r, order: rules.length + 1 });
        }
      }
      const name = groupNameOf(g.name);
      groups.push({ id: this.groupId(g.name), name, description: g.description, rules });
    }
    return { prefix_lists: [...this.lists.values()], security_groups: groups };
  }

  /** One rule as API rules: one per CIDR of a small peer, one per slice of a long port list. */
  private expand(rule: ImportedRule): Omit<FilterRuleWrite, "order">[] {
    const base = {
      direction: rule.direction,
      protocol: rule.protocol,
      description: (rule.description || "imported").slice(0, LIMITS.ruleDescription.max),
      ...(rule.action !== "accept" ? { action: rule.action } : {}),
      ...(rule.icmpType !== null ? { icmp_type: rule.icmpType } : {}),
      ...(rule.icmpCode !== null ? { icmp_code: rule.icmpCode } : {}),
      ...(rule.log ? { log: true } : {}),
    };
    let addresses: string[];
    if (rule.peer.kind === "list") addresses = [rule.peer.id];
    else {
      const cidrs = cidrTexts(rule.peer.ranges, rule.peer.ranges6);
      if (cidrs.length <= EXPAND_AT_MOST) addresses = cidrs;
      else {
        const key = cidrs.join(",");
        let id = this.listByContent.get(key);
        if (!id) {
          id = this.prefixList(`${rule.description || "imported"} addresses`.slice(0, 200), rule.peer.ranges, rule.peer.ranges6);
          this.listByContent.set(key, id);
        }
        addresses = [id];
      }
    }
    const portTexts: string[] = [];
    if (rule.ports === null) portTexts.push(protocolTakesPorts(rule.protocol) ? "1-65535" : "");
    else for (let i = 0; i < rule.ports.length; i += MAX_PORT_ITEMS) portTexts.push(formatPorts(rule.ports.slice(i, i + MAX_PORT_ITEMS)));
    return addresses.flatMap((address) => portTexts.map((port) => ({ ...base, address, port })));
  }
}

/** A group name the model takes (at least 3 characters). */
function groupNameOf(name: string): string {
  return name.length >= LIMITS.groupName.min ? name.slice(0, LIMITS.groupName.max) : `${name} group`;
}

/** Address texts of both families, IPv4 first: each range as its CIDR when it is exactly one, else `first-last`. */
export function cidrTexts(ranges: readonly AddressRange[], ranges6: readonly AddressRange6[]): string[] {
  return [...ranges.map(formatAddressRange), ...ranges6.map(formatAddressRange6)];
}
