/** Security groups: the write body, the stored resource and its sync status. */
import { Type, type ArrayOptions, type Static } from "@sinclair/typebox";
import { LIMITS } from "./limits";
import { Echoed, type Writable, IdOf, Nullable, StringEnum, Text, Timestamp } from "./kit";
import { FilterRule, FilterRuleWrite, type NormalizedRuleWrite } from "./rule";

export const SYNC_STATUSES = ["active", "syncing", "failed"] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export const SyncStatusField = StringEnum(SYNC_STATUSES, {
  description: "active: every site enforces it; syncing: being deployed, locked against writes; failed: a site could not apply it.",
});

export const SyncError = Type.Object(
  { site: IdOf("site"), message: Type.String({ description: "What the site's agent reported." }) },
  { $id: "SyncError", description: "Why the last deployment failed on one site." },
);
export type SyncError = Static<typeof SyncError>;

export const PENDING_REASONS = ["applying", "offline", "never_connected"] as const;
/**
 * Why an attached site has not applied a resource's latest change: `applying`
 * (its agent is online and within --sync-timeout: this holds the write lock),
 * `offline` (not heard from within --site-offline-after) or `never_connected`
 * (no agent yet): the revision is queued for those, and they do not lock.
 */
export type PendingReason = (typeof PENDING_REASONS)[number];

export const PendingSite = Type.Object(
  {
    site: IdOf("site"),
    reason: StringEnum(PENDING_REASONS, { description: "applying locks writes; offline and never_connected only queue." }),
    revision: Type.Integer({ description: "The site revision that contains the change." }),
    applied_revision: Nullable(Type.Integer({ description: "The revision the site last applied." })),
    last_seen: Nullable(Timestamp({ description: "When the site's agent was last heard from." })),
  },
  { $id: "PendingSite", description: "An attached site that has not applied the latest change yet, and why." },
);
export type PendingSite = Static<typeof PendingSite>;

export const pendingSites = Type.Array(PendingSite, {
  description:
    "Attached sites that have not applied the latest change yet: applying (online; locks writes until it confirms or --sync-timeout passes), offline or never_connected (the revision is queued for them; no lock). Empty when active.",
});

/** The site ids a group or prefix list is attached to. */
export function SiteIds(description: string, options: ArrayOptions = {}) {
  return Type.Array(IdOf("site"), { maxItems: LIMITS.sitesPerResource, uniqueItems: true, description, ...options });
}

export const syncErrors = Type.Array(SyncError, {
  description: "Why the last deployment failed, per site; empty unless status is failed.",
});

const name = Text(LIMITS.groupName, { description: "A human-readable name." });
const description = Text({ max: LIMITS.groupDescription }, { description: "What the group is for." });
const sitesText = "The sites the group is applied to; the whole list is replaced on update.";

export const SecurityGroupWrite = Type.Object(
  {
    name,
    description: Type.Optional(Nullable(description, { default: null })),
    rules: Type.Array(FilterRuleWrite, {
      maxItems: LIMITS.rules,
      description: "The firewall rules, evaluated by `order`; the whole list is replaced on update.",
    }),
    sites: SiteIds(sitesText),
    id: Echoed("the group id"),
    status: Echoed("the sync status"),
    sync_errors: Echoed("the last deployment's failures"),
    pending_sites: Echoed("the sites that have not applied the latest change"),
    created_at: Echoed("creation time"),
    updated_at: Echoed("last update time"),
  },
  { $id: "SecurityGroupWrite", additionalProperties: false, description: "The writable properties of a security group." },
);
export type SecurityGroupWrite = Writable<Static<typeof SecurityGroupWrite>>;

export const SecurityGroup = Type.Object(
  {
    id: IdOf("securityGroup"),
    name,
    description: Nullable(description),
    status: SyncStatusField,
    sites: SiteIds(sitesText),
    rules: Type.Array(FilterRule, { maxItems: LIMITS.rules, description: "The rules, ascending by `order`." }),
    sync_errors: syncErrors,
    pending_sites: pendingSites,
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { $id: "SecurityGroup", description: "A stateful firewall ruleset applied to sites." },
);
export type SecurityGroup = Static<typeof SecurityGroup>;

export interface NormalizedSecurityGroupWrite {
  name: string;
  description: string | null;
  /** In request order (so issue paths match the request); readers sort by `order`. */
  rules: NormalizedRuleWrite[];
  sites: string[];
}
