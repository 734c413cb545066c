/**
 * The one validator of SecurityGroupWrite, PrefixListWrite and SiteWrite, used
 * by the API, the CLI and the providers. It checks shape and limits and
 * returns the normalized form; whether referenced prefix lists and sites exist
 * is the caller's question (see `checkReferences`).
 */
import { cidrKey, parseCidr } from "./cidr";
import { ValidationError, type ErrorCode, type ValidationIssue } from "./errors";
import { isId } from "./ids";
import { parsePorts } from "./ports";
import { PROTOCOL, protocolTakesPorts } from "./protocols";
import {
  ACTIONS,
  DIRECTIONS,
  PLATFORMS,
  SITE_MODES,
  type NormalizedPrefixListWrite,
  type NormalizedRuleWrite,
  type NormalizedSecurityGroupWrite,
  type Platform,
  type SiteMode,
  type Action,
  type Direction,
} from "./types";

export const LIMITS = {
  groupName: { min: 3, max: 255 },
  groupDescription: 1024,
  rules: 250,
  order: { min: 1, max: 250 },
  ruleDescription: 255,
  prefixListName: { min: 1, max: 255 },
  prefixListDescription: 1000,
  prefixes: 500,
  prefixDescription: 255,
  siteName: { min: 1, max: 255 },
  sitesPerResource: 1000,
} as const;

/** Server-set fields a client may echo back from a GET; accepted and ignored. */
const READ_ONLY = new Set(["id", "status", "sync_errors", "pending_sites", "created_at", "updated_at"]);

export type Result<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface ValidateOptions {
  /**
   * Policy documents (files, API listings) carry fields the write schema lacks:
   * ignore unknown fields instead of refusing them. The API refuses them.
   */
  ignoreUnknownFields?: boolean;
}

class Checker {
  readonly issues: ValidationIssue[] = [];

  constructor(readonly options: ValidateOptions = {}) {}

  fail(path: string, code: ErrorCode, message: string): undefined {
    this.issues.push({ path, code, message: `${path || "body"}: ${message}` });
    return undefined;
  }

  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(path, "parameter_invalid", `must be an object, got ${describe(value)}`);
    }
    for (const key of this.options.ignoreUnknownFields ? [] : Object.keys(value)) {
      if (!known.includes(key) && !READ_ONLY.has(key)) {
        this.fail(join(path, key), "parameter_unknown", `is not a known field; known fields are ${known.join(", ")}`);
      }
    }
    return value as Record<string, unknown>;
  }

  string(
    value: unknown,
    path: string,
    opts: { min?: number; max: number; optional?: boolean; nullable?: boolean },
  ): string | null | undefined {
    if (value === undefined) {
      return opts.optional ? undefined : this.fail(path, "parameter_missing", "is required");
    }
    if (value === null) {
      return opts.nullable ? null : this.fail(path, "parameter_invalid", "must be a string, not null");
    }
    if (typeof value !== "string") return this.fail(path, "parameter_invalid", `must be a string, got ${describe(value)}`);
    // PostgreSQL text cannot hold NUL, and lone surrogates are not valid UTF-8.
    if (value.includes("\u0000") || !value.isWellFormed()) {
      return this.fail(path, "parameter_invalid", "must be valid Unicode text without NUL characters");
    }
    // Limits count characters (code points); the UTF-16 length bounds that count, so most strings need no counting.
    if (value.length <= opts.max && (opts.min === undefined || value.length >= 2 * opts.min)) return value;
    const length = codePoints(value);
    if (opts.min !== undefined && length < opts.min) {
      return this.fail(path, "value_too_short", `must be at least ${opts.min} characters, got ${length}`);
    }
    if (length > opts.max) return this.fail(path, "value_too_long", `must be at most ${opts.max} characters, got ${length}`);
    return value;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return this.fail(path, "parameter_missing", "is required");
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return this.fail(path, "parameter_invalid", `must be an integer from ${min} to ${max}, got ${describe(value)}`);
    }
    if (value < min || value > max) {
      return this.fail(path, "value_out_of_range", `must be from ${min} to ${max}, got ${value}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return this.fail(path, "parameter_missing", "is required");
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      return this.fail(path, "parameter_invalid", `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`);
    }
    return value as T;
  }

  array(value: unknown, path: string, max: number, optional = false): unknown[] | undefined {
    if (value === undefined) return optional ? [] : this.fail(path, "parameter_missing", "is required");
    if (!Array.isArray(value)) return this.fail(path, "parameter_invalid", `must be an array, got ${describe(value)}`);
    if (value.length > max) return this.fail(path, "too_many_items", `has ${value.length} items; at most ${max} are allowed`);
    return value;
  }

  siteIds(value: unknown, path: string, optional = false): string[] {
    const items = this.array(value, path, LIMITS.sitesPerResource, optional) ?? [];
    const seen = new Set<string>();
    const out: string[] = [];
    items.forEach((item, i) => {
      if (!isId("site", item)) {
        this.fail(
          `${path}[${i}]`,
          "parameter_invalid",
          `must be a site id (site_ followed by 27 letters or digits), got ${describe(item)}`,
        );
      } else if (seen.has(item)) {
        this.fail(`${path}[${i}]`, "duplicate_value", `site ${item} is listed twice`);
      } else {
        seen.add(item);
        out.push(item);
      }
    });
    return out;
  }

  result<T>(value: T): Result<T> {
    return this.issues.length ? { ok: false, issues: this.issues } : { ok: true, value };
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 === text.length) n++;
  }
  return n;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

const RULE_FIELDS = ["direction", "order", "protocol", "port", "address", "description", "action", "icmp_type", "icmp_code", "log"];

/** Validates a CIDR or a prefix-list id; returns the address unchanged when valid. */
function checkAddress(c: Checker, value: unknown, path: string): string | undefined {
  if (value === undefined) return c.fail(path, "parameter_missing", "is required");
  if (typeof value !== "string")
    return c.fail(path, "parameter_invalid", `must be an IPv4 CIDR or a prefix list id, got ${describe(value)}`);
  if (value.startsWith("prfx_lst_")) {
    return isId("prefixList", value)
      ? value
      : c.fail(path, "parameter_invalid", `${describe(value)} is not a prefix list id (prfx_lst_ followed by 27 letters or digits)`);
  }
  return checkCidr(c, value, path);
}

function checkCidr(c: Checker, value: string, path: string): string | undefined {
  const parsed = parseCidr(value);
  if (parsed.ok) return value;
  if (parsed.reason === "host_bits") {
    return c.fail(path, "invalid_cidr", `${describe(value)} has host bits set; did you mean ${parsed.suggestion}?`);
  }
  const hint = /^\d+\.\d+\.\d+\.\d+$/.test(value) ? `; did you mean ${value}/32?` : "";
  return c.fail(path, "invalid_cidr", `${describe(value)} is not an IPv4 CIDR like 10.0.0.0/24${hint}`);
}

function checkRule(c: Checker, value: unknown, path: string): NormalizedRuleWrite | undefined {
  const o = c.object(value, path, RULE_FIELDS);
  if (!o) return undefined;
  const direction = c.oneOf<Direction>(o.direction, `${path}.direction`, DIRECTIONS);
  const order = c.integer(o.order, `${path}.order`, 1, 250);
  const protocol = c.integer(o.protocol, `${path}.protocol`, 0, 255);
  const address = checkAddress(c, o.address, `${path}.address`);
  const description = c.string(o.description, `${path}.description`, { min: 1, max: LIMITS.ruleDescription });
  const action = o.action === undefined ? "accept" : c.oneOf<Action>(o.action, `${path}.action`, ACTIONS);
  let log = false;
  if (o.log !== undefined) {
    if (typeof o.log === "boolean") log = o.log;
    else c.fail(`${path}.log`, "parameter_invalid", `must be true or false, got ${describe(o.log)}`);
  }

  let port: string | undefined;
  if (o.port === undefined) {
    c.fail(`${path}.port`, "parameter_missing", `is required (use "" for protocols without ports)`);
  } else if (typeof o.port !== "string") {
    c.fail(`${path}.port`, "parameter_invalid", `must be a string such as "443" or "", got ${describe(o.port)}`);
  } else if (protocol !== undefined && protocolTakesPorts(protocol)) {
    if (o.port.trim() === "") {
      c.fail(`${path}.port`, "parameter_missing", `is required for TCP and UDP; use "1-65535" for all ports`);
    } else {
      const parsed = parsePorts(o.port);
      if (parsed.ok) port = parsed.normalized;
      else c.fail(`${path}.port`, "invalid_port", parsed.message);
    }
  } else if (protocol !== undefined) {
    if (o.port.trim() !== "") {
      c.fail(`${path}.port`, "parameter_invalid", `must be "" for protocol ${protocol}; only TCP (6) and UDP (17) have ports`);
    } else port = "";
  }

  const icmp_type = icmpField(c, o.icmp_type, `${path}.icmp_type`, protocol);
  const icmp_code = icmpField(c, o.icmp_code, `${path}.icmp_code`, protocol);
  if (icmp_code !== null && icmp_code !== undefined && (icmp_type === null || icmp_type === undefined)) {
    c.fail(`${path}.icmp_code`, "parameter_invalid", "needs icmp_type as well");
  }

  if (
    direction === undefined ||
    order === undefined ||
    protocol === undefined ||
    port === undefined ||
    address === undefined ||
    typeof description !== "string" ||
    action === undefined ||
    icmp_type === undefined ||
    icmp_code === undefined
  ) {
    return undefined;
  }
  return { direction, order, protocol, port, address, description, action, icmp_type, icmp_code, log };
}

function icmpField(c: Checker, value: unknown, path: string, protocol: number | undefined): number | null | undefined {
  if (value === undefined || value === null) return null;
  if (protocol !== undefined && protocol !== PROTOCOL.ICMP) {
    return c.fail(path, "parameter_invalid", `only applies to ICMP rules (protocol 1), not protocol ${protocol}`);
  }
  return c.integer(value, path, 0, 255);
}

const GROUP_FIELDS = ["name", "description", "rules", "sites"];

export function validateSecurityGroupWrite(body: unknown, options?: ValidateOptions): Result<NormalizedSecurityGroupWrite> {
  const c = new Checker(options);
  const o = c.object(body, "", GROUP_FIELDS);
  if (!o) return c.result(undefined as never);
  const name = c.string(o.name, "name", { ...LIMITS.groupName });
  const description = c.string(o.description, "description", { max: LIMITS.groupDescription, optional: true, nullable: true });
  const items = c.array(o.rules, "rules", LIMITS.rules) ?? [];
  const rules: NormalizedRuleWrite[] = [];
  const orders = new Map<number, number>();
  items.forEach((item, i) => {
    const rule = checkRule(c, item, `rules[${i}]`);
    if (!rule) return;
    const earlier = orders.get(rule.order);
    if (earlier !== undefined) {
      c.fail(
        `rules[${i}].order`,
        "duplicate_order",
        `order ${rule.order} is already used by rules[${earlier}]; orders must be unique in a group`,
      );
    } else orders.set(rule.order, i);
    rules.push(rule);
  });
  const sites = c.siteIds(o.sites, "sites");
  return c.result({ name: name as string, description: description ?? null, rules, sites });
}

const PREFIX_LIST_FIELDS = ["name", "description", "prefixes", "sites"];

export function validatePrefixListWrite(body: unknown, options?: ValidateOptions): Result<NormalizedPrefixListWrite> {
  const c = new Checker(options);
  const o = c.object(body, "", PREFIX_LIST_FIELDS);
  if (!o) return c.result(undefined as never);
  const name = c.string(o.name, "name", { ...LIMITS.prefixListName });
  const description = c.string(o.description, "description", { max: LIMITS.prefixListDescription, optional: true, nullable: true });
  const items = c.array(o.prefixes, "prefixes", LIMITS.prefixes) ?? [];
  const prefixes: NormalizedPrefixListWrite["prefixes"] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const plain = plainPrefixCidr(item, c.options);
    if (plain !== undefined && !seen.has(plain)) {
      seen.set(plain, i);
      prefixes.push({ cidr: plain, description: (item as { description?: string | null }).description ?? null });
      continue;
    }
    const path = `prefixes[${i}]`;
    const p = c.object(item, path, ["cidr", "description"]);
    if (!p) continue;
    const cidrText = c.string(p.cidr, `${path}.cidr`, { max: 18 });
    const cidr = typeof cidrText === "string" ? checkCidr(c, cidrText, `${path}.cidr`) : undefined;
    const desc = c.string(p.description, `${path}.description`, { max: LIMITS.prefixDescription, optional: true, nullable: true });
    if (cidr === undefined) continue;
    const earlier = seen.get(cidr);
    if (earlier !== undefined) {
      c.fail(`${path}.cidr`, "duplicate_value", `${cidr} is already listed at prefixes[${earlier}]`);
      continue;
    }
    seen.set(cidr, i);
    prefixes.push({ cidr, description: desc ?? null });
  }
  const sites = c.siteIds(o.sites, "sites", true);
  return c.result({ name: name as string, description: description ?? null, prefixes, sites });
}

/**
 * The CIDR of a prefix entry that plainly passes every check above (a valid
 * CIDR, a short description or none, no other fields), or undefined: such
 * entries (nearly all of a 100,000-CIDR policy) skip building paths for
 * messages; anything else takes the checked path, which accepts a superset.
 */
function plainPrefixCidr(item: unknown, options: ValidateOptions): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const { cidr, description } = item as Record<string, unknown>;
  if (typeof cidr !== "string" || cidrKey(cidr) < 0) return undefined;
  if (description !== undefined && description !== null) {
    const plain =
      typeof description === "string" &&
      description.length <= LIMITS.prefixDescription &&
      !description.includes("\u0000") &&
      description.isWellFormed();
    if (!plain) return undefined;
  }
  if (!options.ignoreUnknownFields) for (const key in item) if (key !== "cidr" && key !== "description") return undefined;
  return cidr;
}

export function validateSiteWrite(body: unknown): Result<{ name: string; platform: Platform; mode: SiteMode }> {
  const c = new Checker();
  const o = c.object(body, "", ["name", "platform", "mode"]);
  if (!o) return c.result(undefined as never);
  const name = c.string(o.name, "name", { ...LIMITS.siteName });
  const platform = c.oneOf<Platform>(o.platform, "platform", PLATFORMS);
  const mode = o.mode === undefined ? "host" : c.oneOf<SiteMode>(o.mode, "mode", SITE_MODES);
  return c.result({ name: name as string, platform: platform as Platform, mode: mode as SiteMode });
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

/** Issues for references that do not resolve in the caller's organization. */
export function checkReferences(
  refs: { prefixLists?: Map<string, string>; sites?: string[] },
  known: { prefixLists: Set<string>; sites: Set<string> },
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [id, path] of refs.prefixLists ?? []) {
    if (!known.prefixLists.has(id)) {
      issues.push({ path, code: "reference_not_found", message: `${path}: prefix list ${id} does not exist in this organization` });
    }
  }
  (refs.sites ?? []).forEach((id, i) => {
    if (!known.sites.has(id)) {
      issues.push({
        path: `sites[${i}]`,
        code: "reference_not_found",
        message: `sites[${i}]: site ${id} does not exist in this organization`,
      });
    }
  });
  return issues;
}
