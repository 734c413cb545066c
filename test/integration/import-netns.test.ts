/**
 * Import of what the kernel really holds: random policies (both families) are
 * compiled and loaded into a network namespace (`nft -f`; ipset + iptables-restore
 * + ip6tables-restore through the agent's enforcer), listed back (`nft list
 * ruleset`, `nft -j list ruleset`; `ipset save` + iptables-save + ip6tables-save),
 * and the imported document decides every packet as the original did (the
 * oracle, test/support/agree.ts), with nothing reported. The hand-written file of
 * core/import/nft.test.ts, loaded for real and listed by nft, reports the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../../core/analyze";
import { importIptablesSave, importNft } from "../../core/import";
import { compilePolicy } from "../../core/platforms";
import { IptablesEnforcer } from "../../core/platforms/iptables";
import { nftablesFile } from "../../core/platforms/nftables";
import { runCommand } from "../../core/platforms/runner";
import { disagreements } from "../support/agree";
import { Netns, uniqueSuffix } from "../support/netns";
import { randomPolicy } from "../support/policies";

jest.setTimeout(300_000);

let ns: Netns;
beforeAll(() => {
  ns = Netns.create(`sg-imp-${uniqueSuffix()}`);
});
afterAll(() => ns?.delete());

test("nftables: 25 random policies loaded, listed as text and JSON, import back equal", () => {
  const random = seededRandom(181);
  for (let n = 0; n < 25; n++) {
    const doc = randomPolicy(random, { families: [4, 6] });
    ns.exec("nft", ["flush", "ruleset"]);
    ns.exec("nft", ["-f", "-"], nftablesFile(compilePolicy(doc, "nftables"), []));
    for (const listing of [ns.exec("nft", ["list", "ruleset"]), ns.exec("nft", ["-j", "list", "ruleset"])]) {
      const { document, omissions } = importNft(listing);
      expect({ n, omissions }).toEqual({ n, omissions: [] });
      expect({ n, differ: disagreements(doc, document, n).slice(0, 3) }).toEqual({ n, differ: [] });
    }
  }
});

test("iptables: 15 random policies applied by the enforcer, listed with ipset save and both saves, import back equal", async () => {
  const run = (command: string, args: string[], stdin?: string) => runCommand("ip", ["netns", "exec", ns.name, command, ...args], stdin);
  const enforcer = new IptablesEnforcer({ run });
  const random = seededRandom(182);
  for (let n = 0; n < 15; n++) {
    const doc = randomPolicy(random, { families: [4, 6], maxRules: 6 });
    await enforcer.remove();
    await enforcer.apply(compilePolicy(doc, "iptables"), []);
    const listing = [ns.exec("ipset", ["save"]), ns.exec("iptables-save", []), ns.exec("ip6tables-save", [])].join("\n");
    const { document, omissions } = importIptablesSave(listing);
    expect({ n, omissions }).toEqual({ n, omissions: [] });
    expect({ n, differ: disagreements(doc, document, n).slice(0, 3) }).toEqual({ n, differ: [] });
  }
  await enforcer.remove();
});

test("the hand-written file, loaded and listed by nft, reports the same reasons", () => {
  ns.exec("nft", ["flush", "ruleset"]);
  ns.exec("nft", ["-f", join(__dirname, "..", "fixtures", "import", "web-01.nft")]);
  const fromFile = importNft(readFileSync(join(__dirname, "..", "fixtures", "import", "web-01.nft"), "utf8"));
  for (const listing of [ns.exec("nft", ["list", "ruleset"]), ns.exec("nft", ["-j", "list", "ruleset"])]) {
    const listed = importNft(listing);
    expect(listed.omissions.map((o) => o.reason).sort()).toEqual(fromFile.omissions.map((o) => o.reason).sort());
    expect(disagreements(fromFile.document, listed.document)).toEqual([]);
  }
  ns.exec("nft", ["flush", "ruleset"]);
});
