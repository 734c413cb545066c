/**
 * The normal form of a site's policy: what every platform renders from and
 * what the analyzer evaluates. Knows no platform.
 */
export { ESSENTIAL_ICMPV6, isEssentialIcmpv6, type EssentialIcmpv6 } from "./icmpv6";
export { hooksOf, rulesOnHook, referencedGroupIds, referencedListIds, type Hook } from "./hooks";
export {
  normalizePolicy,
  parseControlPlaneEndpoint,
  ALL_ADDRESSES,
  ALL_ADDRESSES6,
  type ControlPlaneEndpoint,
  type NormalizeOptions,
  type NormalizedPolicy,
  type NormalizedPrefixList,
  type PolicyDocumentInput,
  type PolicyRule,
  type RuleAddress,
} from "./normalize";
export {
  collapseAddressSet,
  deriveReferencedGroups,
  effectiveAddresses,
  type CollapsedAddressSet,
  type NormalizedGroupReference,
  type PolicySiteInput,
  type ReferencedGroupInput,
  type ReferencedGroupMemberInput,
} from "./group-references";
