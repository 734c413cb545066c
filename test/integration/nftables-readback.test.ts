/**
 * What the kernel lists is what the file meant, for both families: random
 * mixed-family policies (IPv6 CIDRs, ::/0, ICMPv6, prefix lists of both
 * families, control-plane endpoints of both) are loaded with real `nft -f`
 * into a namespace, listed with `nft -j`, and both read into the loaded model
 * must be equal. The agent verifies every load and detects drift this way, so a
 * construct the two readers read differently would show as endless drift.
 */
import { diffLoaded } from "../../core/analyze/compare-loaded";
import { seededRandom } from "../../core/analyze";
import { normalizePolicy } from "../../core/policy";
import { nftables, nftablesFile, readNftables } from "../../core/platforms/nftables";
import { Netns, uniqueSuffix } from "../support/netns";
import { randomPolicy } from "../support/policies";

jest.setTimeout(120_000);

let ns: Netns;

beforeAll(() => {
  ns = Netns.create(`sg-nftrb-${uniqueSuffix()}`);
});

afterAll(() => ns?.delete());

const CONTROL_PLANE = [
  { address: "198.51.100.200", port: 8787 },
  { address: "2001:db8:cafe::200", port: 8787 },
  { address: "fd00:99::1", port: 443 },
];

test.each(["host", "router"] as const)("40 random mixed-family policies (%s mode) list back exactly as loaded", (mode) => {
  const random = seededRandom(mode === "host" ? 41 : 42);
  let ipv6Rules = 0;
  for (let n = 0; n < 40; n++) {
    const policy = normalizePolicy(randomPolicy(random, { families: [4, 6] }), { mode });
    const controlPlane = CONTROL_PLANE.slice(n % 3);
    const config = nftables.render(policy);
    ns.exec("nft", ["-f", "-"], nftablesFile(config, controlPlane));
    const listed = ns.exec("nft", ["-j", "list", "table", "inet", "secgroups"]);
    expect({ n, diff: diffLoaded(nftables.expected(config, controlPlane), readNftables(listed)) }).toEqual({ n, diff: [] });
    ipv6Rules += (config.match(/\bip6 [sd]addr [^.]|meta nfproto ipv6|icmpv6 type \d+ .*comment/g) ?? []).length;
  }
  // The policies did exercise IPv6 rules, not just the fixed preamble.
  expect(ipv6Rules).toBeGreaterThan(100);
});
