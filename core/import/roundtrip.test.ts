/**
 * Compile, then import the compiled text: the document that comes back decides
 * every packet as the original did (the oracle, test/support/agree.ts), with
 * nothing reported. The kernel-side round trips (a real load in a namespace,
 * then `nft list ruleset` / iptables-save) are in test/integration/import-netns.test.ts.
 */
import { seededRandom } from "../analyze";
import { compilePolicy } from "../platforms";
import { disagreements } from "../../test/support/agree";
import { randomPolicy } from "../../test/support/policies";
import { importNft } from "./nft";
import { importRouteros } from "./routeros";

describe.each([
  ["nftables", importNft],
  ["routeros", importRouteros],
] as const)("%s compiled text imports back", (target, importer) => {
  it.each([
    [[4] as const, false, 11],
    [[4, 6] as const, false, 12],
    [[4, 6] as const, true, 13],
  ])("60 random policies of families %j (write forms: %s), nothing left out", (families, writeForms, seed) => {
    const random = seededRandom(seed);
    for (let n = 0; n < 60; n++) {
      const doc = randomPolicy(random, { families, writeForms });
      const { document, omissions } = importer(compilePolicy(doc, target));
      expect({ n, omissions }).toEqual({ n, omissions: [] });
      expect({ n, differ: disagreements(doc, document, n).slice(0, 3) }).toEqual({ n, differ: [] });
    }
  });
});

it("the comparison sees a changed verdict (so the round trips above can fail)", () => {
  const random = seededRandom(99);
  const doc = randomPolicy(random, { families: [4, 6] });
  const { document } = importNft(compilePolicy(doc, "nftables"));
  const flipped = {
    ...document,
    security_groups: document.security_groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({ ...r, action: r.action === "drop" ? ("accept" as const) : ("drop" as const) })),
    })),
  };
  expect(disagreements(doc, flipped).length).toBeGreaterThan(0);
});
