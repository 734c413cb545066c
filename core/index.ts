/**
 * `require("secgroups")`: the library surface of the core, without the server.
 * The model (types, validation, CIDRs, ports, ids, error codes), the compiler
 * to each platform's configuration, the semantic analyzer (evaluate, lint,
 * diff) and the review of two policy snapshots. The API server, the agent and
 * the CLI run through `secgroups` (bin); the engines through `secgroups/pulumi`
 * and `secgroups/cdktf`; the engine-neutral patterns through `secgroups/patterns`.
 *
 * ```ts
 * import { compilePolicy, lint } from "secgroups";
 * const nft = compilePolicy({ prefix_lists: [], security_groups: [group] }, "nftables");
 * ```
 */
export * from "./model";
export { compilePolicy, platformOf, PLATFORM, type CompileOptions } from "./platforms";
export { normalizePolicy, type PolicyDocumentInput, type NormalizedPolicy } from "./policy";
export {
  evaluate,
  lint,
  semanticDiff,
  checkEquivalence,
  type Packet,
  type Verdict,
  type Decision,
  type SemanticDiff,
  type PolicyInput,
  type Finding as LintFinding,
} from "./analyze";
export { reviewPaths, reviewSnapshots, renderMarkdown, renderJson, type Review } from "./review";
