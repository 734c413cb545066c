/**
 * The normal form of a site's policy: what every platform renders from and
 * what the analyzer evaluates. Knows no platform.
 */
export { hooksOf, rulesOnHook, referencedListIds, type Hook } from "./hooks";
export {
  normalizePolicy,
  parseControlPlaneEndpoint,
  ALL_ADDRESSES,
  type ControlPlaneEndpoint,
  type NormalizeOptions,
  type NormalizedPolicy,
  type NormalizedPrefixList,
  type PolicyDocumentInput,
  type PolicyRule,
  type RuleAddress,
} from "./normalize";
