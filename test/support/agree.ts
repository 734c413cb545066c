/**
 * Whether two policy documents decide every packet alike, by the oracle
 * (core/analyze/evaluate.ts) over the packets where a difference would show
 * (core/analyze/equivalence.ts boundaryPackets of both, plus random ones).
 * Import round trips compare the original with what came back this way.
 */
import { boundaryPackets, evaluate, randomPackets, seededRandom } from "../../core/analyze";
import type { Packet } from "../../core/analyze/packet";
import { normalizePolicy, type PolicyDocumentInput } from "../../core/policy";

export function disagreements(a: PolicyDocumentInput, b: PolicyDocumentInput, seed = 1): { packet: Packet; a: string; b: string }[] {
  const pa = normalizePolicy(a);
  const pb = normalizePolicy(b);
  const packets = [...boundaryPackets(pa), ...boundaryPackets(pb), ...randomPackets(pa, 300, seededRandom(seed))];
  const out: { packet: Packet; a: string; b: string }[] = [];
  for (const packet of packets) {
    const va = evaluate(pa, packet).verdict;
    const vb = evaluate(pb, packet).verdict;
    if (va !== vb) out.push({ packet, a: va, b: vb });
  }
  return out;
}
