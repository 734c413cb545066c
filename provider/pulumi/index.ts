/**
 * secgroups for Pulumi: `import { SecurityGroup, PrefixList, Site } from "secgroups/pulumi"`.
 *
 * Configure the API with `secgroups:endpoint` and `secgroups:token` (secret),
 * or SECGROUPS_ENDPOINT / SECGROUPS_TOKEN. The token is read by the provider
 * at call time and never stored in state.
 */
export { SecurityGroup, PrefixList, Site } from "./resources";
export type { SecurityGroupArgs, PrefixListArgs, SiteArgs, RuleArgs, PrefixArgs, SyncOptions, AdoptOption } from "./resources";
export { SecgroupsApiError } from "./client";
// Pattern components (WebServerGroup, DatabaseGroup, ...): constructs/pulumi.
export * from "../../constructs/pulumi";
