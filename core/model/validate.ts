/**
 * The one validator of SecurityGroupWrite, PrefixListWrite and SiteWrite, used
 * by the API, the CLI and the providers. Structure and limits come from the
 * shape declarations (shapes/check.ts reads them); what is checked here by
 * hand is what a schema cannot say: CIDR syntax and host bits, ports against
 * the protocol, ICMP fields, unique orders and CIDRs. It returns the
 * normalized form; whether referenced prefix lists and sites exist is the
 * caller's question (see `checkReferences`).
 */
import { PrefixCidrs, parseAddressCidr, parseCidrOrRange, type CollapsedAddresses } from "./address";
import { ValidationError, type ValidationIssue } from "./errors";
import { isId } from "./ids";
import { parsePorts } from "./ports";
import { protocolFamily, protocolIsIcmp, protocolNumberOnWrite, protocolTakesPorts } from "./protocols";
import { SELF } from "./self";
import { reportedAddressRefusal } from "./site-addresses";
import { AgentAddresses } from "./shapes/agent-protocol";
import { LIMITS } from "./shapes/limits";
import { Checker, describe, indexOf, pathText, type Checked, type Path, type Result, type ValidateOptions } from "./shapes/check";
import { PrefixListWrite, PrefixWrite, type NormalizedPrefixListWrite } from "./shapes/prefix-list";
import { FilterRuleWrite, type NormalizedRuleWrite } from "./shapes/rule";
import { SecurityGroupWrite, type NormalizedSecurityGroupWrite } from "./shapes/security-group";
import { SiteWrite, type NormalizedSiteWrite } from "./shapes/site";

export type { Result, ValidateOptions } from "./shapes/check";

const at = (parent: Path, key: string | number): Path => ({ parent, key });

/** A CIDR, a range, a prefix-list id, a security-group id or `self`; the text to store when valid (`self` is resolved by the writer). */
function checkAddress(c: Checker, value: string, path: Path): string | undefined {
  if (value === SELF) return value;
  if (value.startsWith("prfx_lst_")) {
    return isId("prefixList", value)
      ? value
      : c.fail(path, "parameter_invalid", `${describe(value)} is not a prefix list id (prfx_lst_ followed by 27 letters or digits)`);
  }
  if (value.startsWith("sec_grp_")) {
    return isId("securityGroup", value)
      ? value
      : c.fail(path, "parameter_invalid", `${describe(value)} is not a security group id (sec_grp_ followed by 27 letters or digits)`);
  }
  return checkCidr(c, value, path);
}

/** Whether a (valid) rule address names a prefix list or a group (`self` too) rather than a CIDR: it has no family of its own. */
function isReferenceAddress(address: string): boolean {
  return address.startsWith("prfx_lst_") || address.startsWith("sec_grp_") || address === SELF;
}

/** Whether a rule's address names a security group as its peer (the members' effective addresses). */
export function isGroupReference(address: string): boolean {
  return address.startsWith("sec_grp_");
}

/**
 * An IPv4 or IPv6 CIDR or address range; returns the text to store (RFC 5952
 * for IPv6; a range that is exactly one CIDR as that CIDR).
 */
function checkCidr(c: Checker, value: string, path: Path): string | undefined {
  const parsed = parseCidrOrRange(value);
  return parsed.ok ? parsed.canonical : c.fail(path, "invalid_cidr", parsed.message);
}

/** ICMP -1 on write means any: stored as null. */
const anyIcmp = (value: number | null | undefined) => (value === LIMITS.icmpAny ? null : value);

/** The checks of one rule that need more than its shape: address, port against protocol, ICMP fields. */
function refineRule(rule: Checked<FilterRuleWrite>, path: Path, c: Checker): NormalizedRuleWrite | undefined {
  const { direction, order, description, action, log } = rule;
  // Names and -1 are write forms only: what is stored (and compared by the providers) is numbers and null.
  const protocol = rule.protocol === undefined ? undefined : protocolNumberOnWrite(rule.protocol);
  const icmp_type = anyIcmp(rule.icmp_type);
  const icmp_code = anyIcmp(rule.icmp_code);
  const address = rule.address === undefined ? undefined : checkAddress(c, rule.address, at(path, "address"));

  let port: string | undefined;
  if (rule.port !== undefined && protocol !== undefined) {
    const portPath = at(path, "port");
    if (protocolTakesPorts(protocol)) {
      if (rule.port.trim() === "") {
        c.fail(portPath, "parameter_missing", `is required for TCP and UDP; use "1-65535" for all ports`);
      } else {
        const parsed = parsePorts(rule.port);
        if (parsed.ok) port = parsed.normalized;
        else c.fail(portPath, "invalid_port", parsed.message);
      }
    } else if (rule.port.trim() !== "") {
      c.fail(portPath, "parameter_invalid", `must be "" for protocol ${protocol}; only TCP (6) and UDP (17) have ports`);
    } else port = "";
  }

  let icmpOk = true;
  if (protocol !== undefined && !protocolIsIcmp(protocol)) {
    for (const key of ["icmp_type", "icmp_code"] as const) {
      if (anyIcmp(rule[key]) !== null && rule[key] !== undefined) {
        icmpOk = false;
        c.fail(at(path, key), "parameter_invalid", `only applies to ICMP rules (protocol 1, or 58 for IPv6), not protocol ${protocol}`);
      }
    }
  }
  // ICMP exists in IPv4 only and ICMPv6 in IPv6 only: the CIDR's family must fit.
  const family = address === undefined || isReferenceAddress(address) ? undefined : address.includes(":") ? 6 : 4;
  if (family !== undefined && protocol !== undefined && protocolFamily(protocol) !== undefined && protocolFamily(protocol) !== family) {
    icmpOk = false;
    c.fail(
      at(path, "protocol"),
      "parameter_invalid",
      family === 6
        ? `protocol 1 (icmp) is IPv4 only; use protocol 58 (ipv6-icmp) with the IPv6 address ${address}`
        : `protocol 58 (ipv6-icmp) is IPv6 only; use protocol 1 (icmp) with the IPv4 address ${address}`,
    );
  }
  if (typeof icmp_code === "number" && icmp_type === null) {
    icmpOk = false;
    c.fail(at(path, "icmp_code"), "parameter_invalid", "needs icmp_type as well");
  }

  if (
    direction === undefined ||
    order === undefined ||
    protocol === undefined ||
    port === undefined ||
    address === undefined ||
    description === undefined ||
    action === undefined ||
    icmp_type === undefined ||
    icmp_code === undefined ||
    log === undefined ||
    !icmpOk
  ) {
    return undefined;
  }
  return { direction, order, protocol, port, address, description, action, icmp_type, icmp_code, log };
}

export function validateSecurityGroupWrite(body: unknown, options?: ValidateOptions): Result<NormalizedSecurityGroupWrite> {
  const c = new Checker(options);
  const orders = new Map<number, number>();
  const checkRule = (rule: Checked<FilterRuleWrite>, path: Path) => {
    // Only valid rules take part: a rule refused for other reasons does not hold its order.
    const refined = refineRule(rule, path, c);
    if (refined === undefined) return undefined;
    const earlier = orders.get(refined.order);
    if (earlier === undefined) {
      orders.set(refined.order, indexOf(path));
      return refined;
    }
    return c.fail(
      at(path, "order"),
      "duplicate_order",
      `order ${refined.order} is already used by rules[${earlier}]; orders must be unique in a group`,
    );
  };
  return c.result(c.check(SecurityGroupWrite, body, "", new Map([[FilterRuleWrite, checkRule]])) as NormalizedSecurityGroupWrite);
}

export function validatePrefixListWrite(body: unknown, options?: ValidateOptions): Result<NormalizedPrefixListWrite> {
  const { c, value } = checkPrefixList(body, options, true);
  return c.result(value!);
}

/**
 * The checks of validatePrefixListWrite, issues alike, giving the list's
 * addresses collapsed per family (each CIDR text read once) instead of the
 * normalized write, which it does not build (a check-only walk: no object per entry).
 */
export function validatePrefixListAddresses(body: unknown, options?: ValidateOptions): Result<CollapsedAddresses> {
  const { c, addresses } = checkPrefixList(body, options, false);
  return c.result(addresses);
}

/** `build`: whether to build the normalized write (else the shapes are only checked). */
function checkPrefixList(body: unknown, options: ValidateOptions | undefined, build: boolean) {
  const c = new Checker(options);
  const prefixes = (body as { prefixes?: unknown } | null)?.prefixes;
  const cidrs = new PrefixCidrs(Array.isArray(prefixes) ? prefixes.length : 0);
  const checkPrefix = (prefix: Checked<PrefixWrite>, path: Path) => {
    if (prefix.cidr === undefined) return undefined;
    const cidr = cidrs.add(prefix.cidr, indexOf(path));
    if (typeof cidr !== "string") return c.fail(at(path, "cidr"), "invalid_cidr", cidr.message);
    if (prefix.description === undefined) return undefined;
    // The checked entry has exactly the normalized fields; IPv6 is stored in RFC 5952 text.
    return cidr === prefix.cidr ? prefix : { ...prefix, cidr };
  };
  const refinements = new Map([[PrefixWrite, checkPrefix]]);
  let value: NormalizedPrefixListWrite | undefined;
  if (build) value = c.check(PrefixListWrite, body, "", refinements) as NormalizedPrefixListWrite;
  else c.validate(PrefixListWrite, body, "", refinements);
  const duplicates: [entry: number, earlier: number, text: string][] = [];
  const addresses = cidrs.collapse((entry, earlier, text) => duplicates.push([entry, earlier, text]));
  for (const [entry, earlier, text] of duplicates.sort((a, b) => a[0] - b[0])) {
    c.fail(at(at("prefixes", entry), "cidr"), "duplicate_value", `${text} is already listed at prefixes[${earlier}]`);
  }
  return { c, value, addresses };
}

export function validateSiteWrite(body: unknown, options?: ValidateOptions): Result<NormalizedSiteWrite> {
  const c = new Checker(options);
  const refineSite = (site: Checked<SiteWrite>, path: Path) => {
    const addresses = site.addresses && checkAddressList(c, site.addresses, at(path, "addresses"), false);
    return addresses === undefined ? undefined : { ...site, addresses };
  };
  return c.result(c.check(SiteWrite, body, "", new Map([[SiteWrite, refineSite]])) as NormalizedSiteWrite);
}

/**
 * An agent's address report: host addresses only, each global unicast (see
 * site-addresses.ts), canonical text, no duplicates.
 */
export function validateAgentAddresses(body: unknown): Result<{ addresses: string[] }> {
  const c = new Checker();
  const refineReport = (report: Checked<AgentAddresses>, path: Path) => {
    const addresses = report.addresses && checkAddressList(c, report.addresses, at(path, "addresses"), true);
    return addresses === undefined ? undefined : { addresses };
  };
  return c.result(c.check(AgentAddresses, body, "", new Map([[AgentAddresses, refineReport]])) as { addresses: string[] });
}

/** CIDRs in canonical text, each once; `hostsOnly`: as an agent may report them. Undefined when any fails. */
function checkAddressList(c: Checker, items: readonly (string | undefined)[], path: Path, hostsOnly: boolean): string[] | undefined {
  const out: string[] = [];
  const seen = new Map<string, number>();
  const before = c.issues.length;
  items.forEach((text, i) => {
    if (text === undefined) return;
    const itemPath = at(path, i);
    const parsed = parseAddressCidr(text);
    if (!parsed.ok) return void c.fail(itemPath, "invalid_cidr", parsed.message);
    const refusal = hostsOnly ? reportedAddressRefusal(parsed, text) : undefined;
    if (refusal !== undefined) return void c.fail(itemPath, "parameter_invalid", refusal);
    const earlier = seen.get(parsed.canonical);
    if (earlier !== undefined) {
      return void c.fail(itemPath, "duplicate_value", `${parsed.canonical} is already listed at ${pathText(path)}[${earlier}]`);
    }
    seen.set(parsed.canonical, i);
    out.push(parsed.canonical);
  });
  // An item that failed its structural check is undefined here; its issue is already recorded.
  return c.issues.length === before && out.length === items.length ? out : undefined;
}

/** Throws the API's 422 for a failed result; returns the value otherwise. */
export function orThrow<T>(result: Result<T>): T {
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}

/** Prefix-list ids a group's rules refer to, with the path of the first use. */
export function referencedPrefixLists(group: NormalizedSecurityGroupWrite): Map<string, string> {
  const refs = new Map<string, string>();
  group.rules.forEach((rule, i) => {
    if (rule.address.startsWith("prfx_lst_") && !refs.has(rule.address)) refs.set(rule.address, `rules[${i}].address`);
  });
  return refs;
}

/** Security-group ids a group's rules refer to as peers, with the path of the first use. */
export function referencedGroups(group: NormalizedSecurityGroupWrite): Map<string, string> {
  const refs = new Map<string, string>();
  group.rules.forEach((rule, i) => {
    if (rule.address.startsWith("sec_grp_") && !refs.has(rule.address)) refs.set(rule.address, `rules[${i}].address`);
  });
  return refs;
}

/** Issues for references that do not resolve in the caller's organization. */
export function checkReferences(
  refs: { prefixLists?: Map<string, string>; groups?: Map<string, string>; sites?: string[] },
  known: { prefixLists: Set<string>; groups?: Set<string>; sites: Set<string> },
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [id, path] of refs.prefixLists ?? []) {
    if (!known.prefixLists.has(id)) {
      issues.push({ path, code: "reference_not_found", message: `${path}: prefix list ${id} does not exist in this organization` });
    }
  }
  for (const [id, path] of refs.groups ?? []) {
    if (!known.groups?.has(id)) {
      issues.push({ path, code: "reference_not_found", message: `${path}: security group ${id} does not exist in this organization` });
    }
  }
  (refs.sites ?? []).forEach((id, i) => {
    const path = `sites[${i}]`;
    if (!known.sites.has(id)) {
      issues.push({ path, code: "reference_not_found", message: `${path}: site ${id} does not exist in this organization` });
    }
  });
  return issues;
}
