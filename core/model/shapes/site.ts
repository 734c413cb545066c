/** Sites: where groups are enforced, each with an agent. */
import { Type, type Static } from "@sinclair/typebox";
import { LIMITS } from "./limits";
import { Echoed, type Writable, hinted, IdOf, Nullable, StringEnum, Text, Timestamp } from "./kit";

export const PLATFORMS = ["nftables", "iptables", "routeros"] as const;
export const SITE_MODES = ["host", "router"] as const;
export type Platform = (typeof PLATFORMS)[number];
export type SiteMode = (typeof SITE_MODES)[number];

export const PlatformField = StringEnum(PLATFORMS, { description: "What enforces the policy at the site." });
const modeText = "host: filter the host's own traffic (input and output); router: filter the forward path as well.";
const name = Text(LIMITS.siteName, { description: "A human-readable name." });
const addressText = hinted(
  Type.String({
    maxLength: LIMITS.prefixCidr,
    description: "An IPv4 or IPv6 CIDR with host bits zero (IPv6 stored in RFC 5952 text); a single host is /32 or /128.",
  }),
  { content: "parsed" },
);
const addressesText =
  "The site's addresses as the organization declares them; when non-empty they are its effective addresses (what rules that name one of its groups match) and reported ones are ignored. The whole list is replaced on update.";
const addresses = Type.Array(addressText, { maxItems: LIMITS.siteAddresses, description: addressesText });
const reportedAddresses = Type.Array(addressText, {
  maxItems: LIMITS.siteAddresses,
  description:
    "The global unicast host addresses (/32, /128) the site's agent last reported; its effective addresses while `addresses` is empty. Read-only.",
});

export const SiteWrite = Type.Object(
  {
    name,
    platform: PlatformField,
    mode: Type.Optional(StringEnum(SITE_MODES, { default: "host", description: modeText })),
    addresses: Type.Optional(Type.Array(addressText, { maxItems: LIMITS.siteAddresses, default: [], description: addressesText })),
    id: Echoed("the site id"),
    reported_addresses: Echoed("the addresses the agent reported"),
    desired_revision: Echoed("the wanted revision"),
    applied_revision: Echoed("the enforced revision"),
    last_seen: Echoed("the agent's last contact"),
    online: Echoed("whether the agent is heard from"),
    drift: Echoed("whether the agent found its ruleset altered"),
    last_error: Echoed("the agent's last failure"),
    created_at: Echoed("creation time"),
    token: Echoed("the agent token, shown once"),
  },
  { $id: "SiteWrite", additionalProperties: false, description: "The writable properties of a site." },
);
export type SiteWrite = Writable<Static<typeof SiteWrite>>;

const siteFields = {
  id: IdOf("site"),
  name,
  platform: PlatformField,
  mode: StringEnum(SITE_MODES, { description: modeText }),
  addresses,
  reported_addresses: reportedAddresses,
  desired_revision: Type.Integer({
    minimum: LIMITS.revision.min,
    maximum: LIMITS.revision.max,
    description: "The revision of compiled configuration the control plane wants enforced.",
  }),
  applied_revision: Nullable(
    Type.Integer({
      minimum: LIMITS.revision.min,
      maximum: LIMITS.revision.max,
      description: "The revision the agent last reported enforced.",
    }),
  ),
  last_seen: Nullable(Timestamp({ description: "When the agent was last heard from." })),
  online: Type.Boolean({ description: "Whether the agent was heard from in the last 90 seconds." }),
  drift: Type.Boolean({ description: "Whether the agent last found our ruleset altered by hand (and restored it)." }),
  last_error: Nullable(Type.String({ description: "Why the agent last failed to apply a revision." })),
  created_at: Timestamp(),
};

export const Site = Type.Object(siteFields, { $id: "Site", description: "A place that enforces policy, with its agent's state." });
export type Site = Static<typeof Site>;

export const SiteCreated = Type.Object(
  { ...siteFields, token: Type.String({ description: "The agent's site token; only in the response that created the site." }) },
  { $id: "SiteCreated", description: "A new site with its one-time agent token." },
);
export type SiteCreated = Static<typeof SiteCreated>;

/** A validated site write, defaults resolved. */
export interface NormalizedSiteWrite {
  name: string;
  platform: Platform;
  mode: SiteMode;
  /** Canonical CIDR text, in request order, without duplicates. */
  addresses: string[];
}
