/**
 * Typed Pulumi resources over the dynamic providers: args named as in the
 * API, outputs as the API returns them.
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  Action,
  Direction,
  FilterRule,
  Platform,
  Prefix,
  ProtocolNameOnWrite,
  SiteMode,
  PendingSite,
  SyncError,
  SyncStatus,
} from "../../core/model";
import { dynamicProvider } from "./provider";

/** Options of the provider that ride along as args; none of them is sent to the API. */
export interface SyncOptions {
  /** Wait until every attached site confirms (`active`); default true, or config `secgroups:waitForSync`. */
  waitForSync?: pulumi.Input<boolean>;
  /** How long to wait for `active`, and to retry a resource locked by `syncing`, in seconds (default 300, or config `secgroups:syncTimeout`). */
  syncTimeout?: pulumi.Input<number>;
}

export interface RuleArgs {
  direction: pulumi.Input<Direction>;
  order: pulumi.Input<number>;
  /**
   * IP protocol number: 6 TCP, 17 UDP, 1 ICMP (IPv4 addresses only), 58 ICMPv6 (IPv6 addresses only), 0 all;
   * or its name ("tcp", "udp", "icmp", "ipv6-icmp" or "icmpv6", "all"), kept as the number (no diff against the API).
   */
  protocol: pulumi.Input<number | ProtocolNameOnWrite>;
  /** "443", "1024-2048", "80, 443"; "" for protocols without ports. */
  port: pulumi.Input<string>;
  /**
   * IPv4 or IPv6 CIDR (`0.0.0.0/0` is all IPv4, `::/0` all IPv6; IPv6 is stored in
   * RFC 5952 form, so `2001:DB8::/32` and `2001:db8::/32` are the same input), an
   * address range (`10.0.0.1-10.0.0.9`; one that is exactly a CIDR is kept as it), a
   * prefix list id (e.g. `office.id`) or a security group id (e.g. `web.id`, its own
   * group's included: the effective addresses of every site the group is attached to).
   * A prefix list or group matches its members of the packet's family.
   */
  address: pulumi.Input<string>;
  description: pulumi.Input<string>;
  action?: pulumi.Input<Action>;
  /** ICMP (1) and ICMPv6 (58) only: the type to match; all types when null (or -1, kept as null). */
  icmp_type?: pulumi.Input<number | null>;
  /** ICMP (1) and ICMPv6 (58) only, with `icmp_type`: the code to match; -1 is null. */
  icmp_code?: pulumi.Input<number | null>;
  log?: pulumi.Input<boolean>;
}

/** Taking over a resource that exists already (`pulumi import` does not work for dynamic resources). */
export interface AdoptOption {
  /**
   * Id of an existing resource to manage instead of creating one: the first
   * `pulumi up` replaces its content with these args (PUT); later runs ignore it.
   * `secgroups export --pulumi` writes programs that use it.
   */
  adopt?: pulumi.Input<string>;
}

export interface SecurityGroupArgs extends SyncOptions, AdoptOption {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string | null>;
  rules: pulumi.Input<pulumi.Input<RuleArgs>[]>;
  /** Site ids (e.g. `site.id`) the group is enforced on. */
  sites?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface PrefixArgs {
  /** IPv4 or IPv6 CIDR with host bits zero; a list may hold both families (IPv6 stored in RFC 5952 form). */
  cidr: pulumi.Input<string>;
  description?: pulumi.Input<string | null>;
}

export interface PrefixListArgs extends SyncOptions, AdoptOption {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string | null>;
  prefixes: pulumi.Input<pulumi.Input<PrefixArgs>[]>;
  sites?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface SiteArgs extends AdoptOption {
  name: pulumi.Input<string>;
  platform: pulumi.Input<Platform>;
  /** `host` (default) filters the host's own traffic; `router` the forward path. */
  mode?: pulumi.Input<SiteMode>;
  /**
   * The site's addresses (CIDRs; a host is /32 or /128): what rules naming one of
   * its groups match. Empty (the default): the addresses its agent reports.
   */
  addresses?: pulumi.Input<pulumi.Input<string>[]>;
}

const MODULE = "secgroups";

// One provider object per kind: serialized once per program (the SDK caches by object).
const providers = {
  securityGroup: dynamicProvider("securityGroup"),
  prefixList: dynamicProvider("prefixList"),
  site: dynamicProvider("site"),
};

export class SecurityGroup extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | null>;
  /** Rules as stored, sorted by order, each with its `fltr_` id. */
  declare readonly rules: pulumi.Output<FilterRule[]>;
  declare readonly sites: pulumi.Output<string[]>;
  declare readonly status: pulumi.Output<SyncStatus>;
  declare readonly sync_errors: pulumi.Output<SyncError[]>;
  /** Sites that have not applied the latest change, and why (`applying`, `offline`, `never_connected`). */
  declare readonly pending_sites: pulumi.Output<PendingSite[]>;
  declare readonly created_at: pulumi.Output<string>;
  declare readonly updated_at: pulumi.Output<string>;

  constructor(name: string, args: SecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.securityGroup,
      name,
      {
        sites: [],
        ...args,
        status: undefined,
        sync_errors: undefined,
        pending_sites: undefined,
        created_at: undefined,
        updated_at: undefined,
      },
      opts,
      MODULE,
      "SecurityGroup",
    );
  }
}

export class PrefixList extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | null>;
  /** Prefixes as stored, each with its `prfx_` id. */
  declare readonly prefixes: pulumi.Output<Prefix[]>;
  declare readonly sites: pulumi.Output<string[]>;
  declare readonly status: pulumi.Output<SyncStatus>;
  declare readonly sync_errors: pulumi.Output<SyncError[]>;
  /** Sites that have not applied the latest change, and why (`applying`, `offline`, `never_connected`). */
  declare readonly pending_sites: pulumi.Output<PendingSite[]>;
  declare readonly created_at: pulumi.Output<string>;
  declare readonly updated_at: pulumi.Output<string>;

  constructor(name: string, args: PrefixListArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.prefixList,
      name,
      {
        sites: [],
        ...args,
        status: undefined,
        sync_errors: undefined,
        pending_sites: undefined,
        created_at: undefined,
        updated_at: undefined,
      },
      opts,
      MODULE,
      "PrefixList",
    );
  }
}

export class Site extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly platform: pulumi.Output<Platform>;
  declare readonly mode: pulumi.Output<SiteMode>;
  /** Declared addresses, as stored (IPv6 in RFC 5952 form). */
  declare readonly addresses: pulumi.Output<string[]>;
  /** What the agent last reported (host addresses); effective when `addresses` is empty. Never causes a diff. */
  declare readonly reported_addresses: pulumi.Output<string[]>;
  /** The site agent's token (`secgroups agent --site-token`), returned once at creation; a secret. */
  declare readonly token: pulumi.Output<string>;
  declare readonly desired_revision: pulumi.Output<number>;
  declare readonly applied_revision: pulumi.Output<number | null>;
  declare readonly online: pulumi.Output<boolean>;
  declare readonly last_seen: pulumi.Output<string | null>;
  declare readonly drift: pulumi.Output<boolean>;
  declare readonly last_error: pulumi.Output<string | null>;
  declare readonly created_at: pulumi.Output<string>;

  constructor(name: string, args: SiteArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.site,
      name,
      {
        mode: "host",
        addresses: [],
        ...args,
        reported_addresses: undefined,
        token: undefined,
        desired_revision: undefined,
        applied_revision: undefined,
        online: undefined,
        last_seen: undefined,
        drift: undefined,
        last_error: undefined,
        created_at: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
      MODULE,
      "Site",
    );
  }
}
