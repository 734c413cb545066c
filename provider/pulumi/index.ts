/**
 * secgroups for Pulumi: `import { SecurityGroup, PrefixList, Site } from "secgroups/pulumi"`.
 *
 * Configure the API with `secgroups:endpoint` and `secgroups:token` (secret),
 * or SECGROUPS_ENDPOINT / SECGROUPS_TOKEN. The token is read by the provider
 * at call time and never stored in state. `getPrefixList({ name })`,
 * `getSecurityGroup` and `getSite` look up existing objects.
 */
export { SecurityGroup, PrefixList, Site } from "./resources";
export type { SecurityGroupArgs, PrefixListArgs, SiteArgs, RuleArgs, PrefixArgs, SyncOptions, AdoptOption } from "./resources";
export { SecgroupsApiError } from "./client";
// Existing objects by name or id: plain functions returning Outputs (dynamic providers have no invokes).
export { getPrefixList, getSecurityGroup, getSite } from "./lookups";
export type { LookupArgs, PrefixListLookupResult, SecurityGroupLookupResult, SiteLookupResult } from "./lookups";
// Pattern components (WebServerGroup, DatabaseGroup, ...): constructs/pulumi.
export * from "../../constructs/pulumi";
