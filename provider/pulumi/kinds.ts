/**
 * What differs between the three resource kinds of the dynamic providers:
 * the API path, core/model's validator, the canonical form of a write body
 * (what diff compares) and the outputs kept in state. A group's rules name
 * the group's own id as `self` in outputs and in the canonical form (a program
 * cannot name the id of the group it is creating; the API stores `self` as the id).
 */
import { idAsSelf, validatePrefixListWrite, validateSecurityGroupWrite, validateSiteWrite, type Result } from "../../core/model";

export type ResourceKind = "securityGroup" | "prefixList" | "site";

type Props = Record<string, unknown>;

export interface KindSpec {
  path: string;
  noun: string;
  /** Whether the API reports `status` and the provider waits for `active`. */
  synced: boolean;
  validate(body: unknown): Result<Props>;
  /** The write body in canonical form, from checked inputs or from outputs; `id`: the resource's, when it has one. */
  canonical(props: Props, id?: string): Props;
  /** Outputs from an API resource; `previous` carries what the API returns only once (a site's token). */
  outputs(resource: Props, previous: Props): Props;
}

const sortedStrings = (value: unknown): unknown =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? [...value].sort() : value;

function canonicalRule(rule: unknown): unknown {
  if (typeof rule !== "object" || rule === null) return rule;
  const r = rule as Props;
  return {
    direction: r.direction,
    order: r.order,
    protocol: r.protocol,
    port: r.port,
    address: r.address,
    description: r.description,
    action: r.action ?? "accept",
    icmp_type: r.icmp_type ?? null,
    icmp_code: r.icmp_code ?? null,
    log: r.log ?? false,
  };
}

function byOrder(rules: unknown): unknown {
  if (!Array.isArray(rules)) return rules;
  return [...rules].sort((a, b) => Number((a as Props)?.order) - Number((b as Props)?.order));
}

/** Rules with the group's own id as `self` (rules that are not a list of objects, e.g. unknown, as they are). */
function ownIdAsSelf(rules: unknown, id: unknown): unknown {
  const objects = Array.isArray(rules) && rules.every((r) => typeof r === "object" && r !== null);
  return objects && typeof id === "string" ? idAsSelf(rules as { address: string }[], id) : rules;
}

const specs: Record<ResourceKind, KindSpec> = {
  securityGroup: {
    path: "/vpc/security-groups",
    noun: "security group",
    synced: true,
    validate: (body) => validateSecurityGroupWrite(body) as Result<Props>,
    canonical: (p, id) => ({
      name: p.name,
      description: p.description ?? null,
      rules: Array.isArray(p.rules) ? ownIdAsSelf((byOrder(p.rules) as unknown[]).map(canonicalRule), id) : p.rules,
      sites: sortedStrings(p.sites ?? []),
    }),
    outputs: (r) => ({
      name: r.name,
      description: r.description,
      rules: ownIdAsSelf(byOrder(r.rules), r.id),
      sites: sortedStrings(r.sites),
      status: r.status,
      sync_errors: r.sync_errors ?? [],
      pending_sites: r.pending_sites ?? [],
      created_at: r.created_at,
      updated_at: r.updated_at,
    }),
  },
  prefixList: {
    path: "/vpc/prefix-lists",
    noun: "prefix list",
    synced: true,
    validate: (body) => validatePrefixListWrite(body) as Result<Props>,
    canonical: (p) => ({
      name: p.name,
      description: p.description ?? null,
      prefixes: Array.isArray(p.prefixes)
        ? p.prefixes.map((x) =>
            typeof x === "object" && x !== null ? { cidr: (x as Props).cidr, description: (x as Props).description ?? null } : x,
          )
        : p.prefixes,
      sites: sortedStrings(p.sites ?? []),
    }),
    outputs: (r) => ({
      name: r.name,
      description: r.description,
      prefixes: r.prefixes,
      sites: sortedStrings(r.sites),
      status: r.status,
      sync_errors: r.sync_errors ?? [],
      pending_sites: r.pending_sites ?? [],
      created_at: r.created_at,
      updated_at: r.updated_at,
    }),
  },
  site: {
    path: "/vpc/sites",
    noun: "site",
    synced: false,
    validate: (body) => validateSiteWrite(body) as Result<Props>,
    // `reported_addresses` is an output only: what the agent reports never makes a diff.
    canonical: (p) => ({ name: p.name, platform: p.platform, mode: p.mode ?? "host", addresses: sortedStrings(p.addresses ?? []) }),
    outputs: (r, previous) => ({
      name: r.name,
      platform: r.platform,
      mode: r.mode,
      addresses: r.addresses ?? [],
      reported_addresses: r.reported_addresses ?? [],
      // The agent token is returned once, by POST; later reads keep the stored one.
      token: r.token ?? previous.token ?? null,
      desired_revision: r.desired_revision,
      applied_revision: r.applied_revision,
      online: r.online,
      last_seen: r.last_seen,
      drift: r.drift,
      last_error: r.last_error,
      created_at: r.created_at,
    }),
  },
};

export function specOf(kind: ResourceKind): KindSpec {
  const spec = specs[kind];
  if (!spec) throw new Error(`secgroups: unknown resource kind ${String(kind)}`);
  return spec;
}
