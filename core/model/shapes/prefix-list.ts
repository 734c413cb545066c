/** Prefix lists: named sets of CIDRs that rules refer to by id. */
import { Type, type Static } from "@sinclair/typebox";
import { LIMITS } from "./limits";
import { Echoed, type Writable, hinted, IdOf, Nullable, Text, Timestamp } from "./kit";
import { pendingSites, SiteIds, SyncStatusField, syncErrors } from "./security-group";

const cidr = hinted(
  Type.String({
    maxLength: LIMITS.prefixCidr,
    description: "An IPv4 or IPv6 CIDR with host bits zero, e.g. 203.0.113.0/24 or 2001:db8::/32 (IPv6 stored in RFC 5952 form).",
  }),
  {
    content: "parsed",
  },
);
const prefixDescription = Text({ max: LIMITS.prefixDescription }, { description: "What the prefix is." });
const name = Text(LIMITS.prefixListName, { description: "A human-readable name." });
const description = Text({ max: LIMITS.prefixListDescription }, { description: "What the list holds." });
const sitesText = "Sites the list is deployed to directly (lists referenced by a group's rules reach that group's sites anyway).";

export const PrefixWrite = Type.Object(
  { cidr, description: Type.Optional(Nullable(prefixDescription, { default: null })), id: Echoed("the prefix id") },
  { $id: "PrefixWrite", additionalProperties: false },
);
export type PrefixWrite = Writable<Static<typeof PrefixWrite>>;

export const Prefix = Type.Object({ id: IdOf("prefix"), cidr, description: Nullable(prefixDescription) }, { $id: "Prefix" });
export type Prefix = Static<typeof Prefix>;

export const PrefixListWrite = Type.Object(
  {
    name,
    description: Type.Optional(Nullable(description, { default: null })),
    prefixes: Type.Array(PrefixWrite, { maxItems: LIMITS.prefixes, description: "The CIDRs, each at most once." }),
    sites: Type.Optional(SiteIds(sitesText, { default: [] })),
    id: Echoed("the prefix list id"),
    status: Echoed("the sync status"),
    sync_errors: Echoed("the last deployment's failures"),
    pending_sites: Echoed("the sites that have not applied the latest change"),
    created_at: Echoed("creation time"),
    updated_at: Echoed("last update time"),
  },
  { $id: "PrefixListWrite", additionalProperties: false, description: "The writable properties of a prefix list." },
);
export type PrefixListWrite = Writable<Static<typeof PrefixListWrite>>;

export const PrefixList = Type.Object(
  {
    id: IdOf("prefixList"),
    name,
    description: Nullable(description),
    status: SyncStatusField,
    prefixes: Type.Array(Prefix, { maxItems: LIMITS.prefixes }),
    sites: SiteIds(sitesText),
    sync_errors: syncErrors,
    pending_sites: pendingSites,
    created_at: Timestamp(),
    updated_at: Timestamp(),
  },
  { $id: "PrefixList", description: "A named, reusable set of CIDRs." },
);
export type PrefixList = Static<typeof PrefixList>;

export interface NormalizedPrefixListWrite {
  name: string;
  description: string | null;
  prefixes: { cidr: string; description: string | null }[];
  sites: string[];
}
