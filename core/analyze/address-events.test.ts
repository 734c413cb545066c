/**
 * addressEvents on lists long enough for its radix sort (issue #7) against the
 * reference comparator sort: same addresses and edges in the same order, with
 * ranges ending at the top of the address space and rules left out by `include`.
 */
import type { PolicyRule } from "../policy";
import { seededRandom } from "./equivalence";
import { addressEvents } from "./space";
import { addressEvents as referenceEvents } from "../../test/oracle/space";

function randomRules(random: () => number, count: number, spread: number): PolicyRule[] {
  return Array.from({ length: count }, (_, i) => {
    const ranges: { first: number; last: number }[] = [];
    if (i % 17 === 0) ranges.push({ first: 0, last: 0xffffffff });
    else {
      let at = Math.floor(random() * 2 ** 20) * (i % 2 ? 4096 : 1);
      for (let j = Math.floor(random() * 80); j > 0 && at <= 0xffffffff; j--) {
        const last = Math.min(0xffffffff, at + Math.floor(random() * spread));
        ranges.push({ first: at, last });
        at = last + 2 + Math.floor(random() * 2 ** 16);
      }
    }
    return { ranges } as unknown as PolicyRule;
  });
}

test("radix-sorted address events equal the comparator sort", () => {
  const random = seededRandom(31);
  for (let t = 0; t < 6; t++) {
    const rules = randomRules(random, 400 + Math.floor(random() * 300), t % 2 ? 2 ** 12 : 2 ** 28);
    const events = referenceEvents(rules);
    expect(events.address.length).toBeGreaterThanOrEqual(4096);
    expect(addressEvents(rules)).toEqual(events);
    const include = Uint8Array.from(rules, () => (random() < 0.7 ? 1 : 0));
    const kept = [...events.edge].map((e) => include[e >> 1] === 1);
    expect(addressEvents(rules, include)).toEqual({
      address: events.address.filter((_, i) => kept[i]),
      edge: events.edge.filter((_, i) => kept[i]),
    });
  }
});
