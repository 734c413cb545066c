/**
 * secgroups review: reads two policy snapshots (policy files, Pulumi
 * previews, Terraform plans, CDKTF synth output) or one change, and reports
 * what changed in text, what changed in effect, and what lint finds.
 */
import { loadReviewInput } from "./inputs/load";
import { reviewSnapshots, type Review } from "./review";
import type { PolicySnapshot, ReviewInput } from "./snapshot";

export { loadReviewInput, readReviewJson, FORMATS_HELP } from "./inputs/load";
export { reviewSnapshots, type Review } from "./review";
export { renderMarkdown } from "./markdown";
export { renderJson } from "./json";
export { atLeast, SEVERITIES, lintSnapshot, type Finding, type Severity } from "./findings";
export { UNKNOWN_UNTIL_APPLY, type PolicySnapshot, type ReviewInput } from "./snapshot";

/**
 * The two sides of a review: with one input, its before and after; with two,
 * the state each describes (a plan's or preview's "after").
 */
export function sidesOf(base: ReviewInput, head?: ReviewInput): { base: PolicySnapshot; head: PolicySnapshot } {
  if (head) return { base: base.after, head: head.after };
  if (!base.before) {
    throw new Error(`${base.after.source} holds one state (${base.format}), not a change: give BASE and HEAD, or a plan or preview`);
  }
  return { base: base.before, head: base.after };
}

export function reviewPaths(basePath: string, headPath?: string): Review {
  const { base, head } = sidesOf(loadReviewInput(basePath), headPath ? loadReviewInput(headPath) : undefined);
  return reviewSnapshots(base, head);
}
