/** Reads a review input from a path, recognising its format by content. */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { ReviewInput } from "../snapshot";
import { isCdktfSynth, readCdktfJson, readCdktfSynth } from "./cdktf-synth";
import { isPolicyDocument, readPolicyDocument } from "./policy-file";
import { isPulumiPreview, readPulumiPreview } from "./pulumi-preview";
import { isTerraformPlan, isTerraformState, readTerraformPlan, readTerraformState } from "./terraform-plan";

export const FORMATS_HELP =
  "a policy file ({prefix_lists, security_groups}), `pulumi preview --json` output, `terraform show -json` of a plan or state, or a `cdktf synth` output directory";

/** Recognises the format of parsed JSON; `source` names it in the report. */
export function readReviewJson(json: unknown, source: string): ReviewInput {
  if (isPulumiPreview(json)) return readPulumiPreview(json, source);
  if (isTerraformPlan(json)) return readTerraformPlan(json as Record<string, unknown>, source);
  if (isTerraformState(json)) return readTerraformState(json as Record<string, unknown>, source);
  if (isCdktfSynth(json)) return readCdktfJson(json as Record<string, unknown>, source);
  if (isPolicyDocument(json)) return readPolicyDocument(json as Record<string, unknown>, source);
  throw new Error(`${source}: not a format secgroups review reads; expected ${FORMATS_HELP}`);
}

export function loadReviewInput(path: string): ReviewInput {
  const source = basename(path) || path;
  if (statSync(path).isDirectory()) return readCdktfSynth(path, source);
  const text = readFileSync(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(stripPreamble(text));
  } catch (err) {
    throw new Error(`${path}: not JSON (${(err as Error).message}); expected ${FORMATS_HELP}`);
  }
  return readReviewJson(json, source);
}

/** `pulumi preview --json` may print warnings before the document when stderr is merged: start at the first "{". */
function stripPreamble(text: string): string {
  const start = text.indexOf("{");
  return start > 0 ? text.slice(start) : text;
}
