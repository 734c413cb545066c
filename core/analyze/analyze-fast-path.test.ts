/**
 * The shared address sweep (SignatureSweep: one walk for all signatures,
 * signatures with equal before/after rules skipped) against the reference (test/oracle)
 * one-sweep-per-signature analyzer it replaced: same diff regions in the same
 * order, same lint findings, on random policies and on edits of them.
 */
import { normalizePolicy } from "../policy";
import { editPolicy, randomPolicy } from "../../test/support/policies";
import { lint, seededRandom, semanticDiff } from ".";
import { semanticDiff as referenceDiff } from "../../test/oracle/diff";
import { lint as referenceLint } from "../../test/oracle/lint";
import { addressEvents } from "./space";
import { addressEvents as referenceEvents } from "../../test/oracle/space";

/** Many rules over few addresses: ties at range edges, prefix lists shared by rules, whole-space rules. */
const dense = {
  pools: [
    { network: 0x0a000000, prefixLength: 28 },
    { network: 0, prefixLength: 0 },
  ],
  maxRules: 40,
};

describe("shared sweep equals the per-signature sweep", () => {
  test("semantic diff of random pairs and of edits (documents and normalized)", () => {
    const random = seededRandom(11);
    for (let i = 0; i < 100; i++) {
      const opts = i % 3 === 0 ? dense : {};
      const before = randomPolicy(random, opts);
      const after = i % 2 ? editPolicy(before, random) : randomPolicy(random, opts);
      expect(semanticDiff(before, after)).toEqual(referenceDiff(before, after));
      expect(semanticDiff(before, before)).toEqual(referenceDiff(before, before));
      const nb = normalizePolicy(before);
      const na = normalizePolicy(after);
      expect(semanticDiff(na, nb)).toEqual(referenceDiff(na, nb));
    }
  });

  test("lint of random policies", () => {
    const random = seededRandom(12);
    for (let i = 0; i < 200; i++) {
      const doc = randomPolicy(random, i % 3 === 0 ? dense : {});
      expect(lint(doc)).toEqual(referenceLint(doc));
    }
  });

  test("address events are sorted as before (address, then closing before opening, higher rules first)", () => {
    const random = seededRandom(13);
    for (let i = 0; i < 50; i++) {
      const rules = normalizePolicy(randomPolicy(random, dense)).rules;
      expect(addressEvents(rules)).toEqual(referenceEvents(rules));
    }
  });
});
