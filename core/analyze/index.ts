/**
 * Packet-space analysis of policies: the oracle (evaluate), equivalence of a
 * loaded ruleset with a policy, semantic diff and lint.
 */
export { evaluate, ruleMatches, type Decision, type DecisionReason } from "./evaluate";
export {
  inRanges,
  addressRangeOf,
  inRanges6,
  packetAddressIn,
  type Packet,
  type Packet4,
  type Packet6,
  type Verdict,
  type ConnectionState,
} from "./packet";
export { semanticDiff, type SemanticDiff, type DiffRegion, type DiffSide, type PolicyInput } from "./diff";
export { lint, type Finding, type FindingKind, type Severity } from "./lint";
export type { RuleRef } from "./rules";
export type { ValueRange } from "./space";
export { checkEquivalence, boundaryPackets, randomPackets, seededRandom, type EquivalenceReport, type Disagreement } from "./equivalence";
export {
  evaluateLoaded,
  type LoadedRuleset,
  type LoadedRule,
  type LoadedChain,
  type LoadedSet,
  type Match,
  type LoadedDecision,
} from "./loaded";
export { diffLoaded, ruleText } from "./compare-loaded";
