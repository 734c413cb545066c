/**
 * Differential test against the kernel: random policies are compiled, loaded
 * for real in a network namespace (nftables, then iptables-nft + ipset), and
 * raw packets sent through it; the kernel's verdict for each packet must equal
 * the oracle's. Kernel verdicts come from an observer table in the site
 * namespace: it records each test packet's IP id at prerouting/output
 * (priority -300, before us) and again at input/postrouting (priority 100, after
 * us), so a packet is accepted exactly when it reaches the second set.
 * Also checks, for each load, what the kernel lists (nft -j, iptables-save,
 * ipset save), read by the platform's reader (the one the agent verifies
 * with), against the oracle on boundary and random packets.
 *
 * Packets are limited to what the kernel judges as NEW without modelling
 * conntrack: TCP SYNs, UDP, ICMP echo/timestamp requests, protocols without a
 * conntrack validator; addresses that routing would not drop as martians.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIPv4, parseIPv4, PROTOCOL } from "../../core/model";
import { normalizePolicy, type NormalizedPolicy } from "../../core/policy";
import { evaluate } from "../../core/analyze/evaluate";
import { boundaryPackets, checkEquivalence, randomPackets, seededRandom } from "../../core/analyze/equivalence";
import type { Packet4 as Packet } from "../../core/analyze/packet";
import { compilePolicy, iptables, nftables } from "../../core/platforms";
import { controlPlaneElements } from "../../core/platforms/nftables";
import { controlPlaneIpset, splitIptablesConfig } from "../../core/platforms/iptables";
import { connect, Netns, netnsAvailable, uniqueSuffix } from "../support/netns";
import { randomPolicy } from "../support/policies";

const POLICIES = 50;
const PACKETS_PER_POLICY = 40;
const TTL = 77;
/** The site receives on one address and sends from another, so no test packet is ever the reply of an earlier one. */
const SITE = "192.0.2.2";
const SITE_OUT = "192.0.2.3";
const PEER = "192.0.2.1";
const SENDER = join(__dirname, "..", "support", "rawsend.py");
// The system interpreter: version-manager shims cost half a second per start.
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const SEED = Number(process.env.SECGROUPS_TEST_SEED ?? 20260601);

const OBSERVER = `table ip sgobserve {}
delete table ip sgobserve
table ip sgobserve {
	set sent { typeof ip id; flags dynamic; size 65535; }
	set passed { typeof ip id; flags dynamic; size 65535; }
	chain pre { type filter hook prerouting priority -300; ip ttl ${TTL} add @sent { ip id }; }
	chain out { type filter hook output priority -300; ip ttl ${TTL} add @sent { ip id }; }
	chain input { type filter hook input priority 100; ip ttl ${TTL} add @passed { ip id }; }
	chain post { type filter hook postrouting priority 100; ip ttl ${TTL} add @passed { ip id }; }
}
`;

/** Protocols whose packets conntrack judges NEW without a valid handshake model. */
const UNSAFE_PROTOCOLS = new Set([0, 2, 4, 33, 41, 58, 132, 136]);
const SITE_NET = parseIPv4("192.0.2.0")!;

function onWire(address: number): boolean {
  const top = address >>> 24;
  return top !== 0 && top !== 127 && top < 224 && address >>> 8 !== SITE_NET >>> 8;
}

/** A version of the packet the kernel will judge as NEW, or undefined. */
function wirePacket(p: Packet): Packet | undefined {
  if (p.hook === "forward" || p.loopback || (p.state ?? "new") !== "new") return undefined;
  if (UNSAFE_PROTOCOLS.has(p.protocol)) return undefined;
  if (p.protocol === PROTOCOL.ICMP && p.icmpType !== 8 && p.icmpType !== 13) return undefined;
  const site = parseIPv4(SITE)!;
  const q: Packet = p.hook === "input" ? { ...p, dst: site } : { ...p, src: parseIPv4(SITE_OUT)! };
  if (!onWire(p.hook === "input" ? q.src : q.dst)) return undefined;
  if (q.protocol === PROTOCOL.TCP || q.protocol === PROTOCOL.UDP) q.srcPort = 1024 + ((q.dstPort ?? 0) % 60000);
  return q;
}

function pickPackets(policy: NormalizedPolicy, random: () => number): Packet[] {
  const candidates = [...boundaryPackets(policy), ...randomPackets(policy, 400, random)]
    .filter((p): p is Packet => p.family !== 6)
    .map(wirePacket)
    .filter((p): p is Packet => p !== undefined);
  for (const e of policy.controlPlane) {
    if (e.family !== 4) continue;
    candidates.push({ hook: "output", protocol: PROTOCOL.TCP, src: parseIPv4(SITE_OUT)!, dst: e.address, srcPort: 40001, dstPort: e.port });
  }
  // Half inbound, half outbound, drawn without replacement.
  const out: Packet[] = [];
  for (const hook of ["input", "output"] as const) {
    const pool = candidates.filter((p) => p.hook === hook);
    for (let i = 0; i < PACKETS_PER_POLICY / 2 && pool.length; i++) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  }
  return out;
}

interface KernelJudgement {
  judged: number;
  disagreements: { packet: Packet; oracle: string; kernel: string; rule?: string }[];
}

function sendAndJudge(pair: { peer: Netns; site: Netns }, policy: NormalizedPolicy, packets: Packet[]): KernelJudgement {
  const { peer, site } = pair;
  site.exec("nft", ["flush", "set", "ip", "sgobserve", "sent"]);
  site.exec("nft", ["flush", "set", "ip", "sgobserve", "passed"]);
  const wire = packets.map((p, i) => ({
    id: i + 1,
    ttl: TTL,
    src: formatIPv4(p.src),
    dst: formatIPv4(p.dst),
    protocol: p.protocol,
    sport: p.srcPort,
    dport: p.dstPort,
    type: p.icmpType,
    code: p.icmpCode,
  }));
  const inbound = wire.filter((_, i) => packets[i].hook === "input");
  const outbound = wire.filter((_, i) => packets[i].hook === "output");
  peer.exec(PYTHON, [SENDER], JSON.stringify(inbound));
  site.exec(PYTHON, [SENDER], JSON.stringify(outbound));
  // Inbound packets are handled in softirq context: wait until all arrived.
  let sent = new Set<number>();
  for (let tries = 0; tries < 100 && sent.size < wire.length; tries++) {
    sent = elements(site.exec("nft", ["-j", "list", "set", "ip", "sgobserve", "sent"]));
  }
  const passed = elements(site.exec("nft", ["-j", "list", "set", "ip", "sgobserve", "passed"]));
  const result: KernelJudgement = { judged: 0, disagreements: [] };
  packets.forEach((packet, i) => {
    if (!sent.has(i + 1)) throw new Error(`packet ${i + 1} never reached the site: ${JSON.stringify(packet)}`);
    result.judged++;
    const kernel = passed.has(i + 1) ? "accept" : "drop";
    const oracle = evaluate(policy, packet);
    if (oracle.verdict !== kernel) result.disagreements.push({ packet, oracle: oracle.verdict, kernel, rule: oracle.rule?.id });
  });
  return result;
}

function elements(json: string): Set<number> {
  const set = JSON.parse(json).nftables.find((o: { set?: unknown }) => o.set).set;
  return new Set<number>(set.elem ?? []);
}

const describeKernel = netnsAvailable() ? describe : describe.skip;
if (!netnsAvailable()) {
  // Say so loudly instead of passing silently: this file needs root and iproute2.
  test("kernel differential tests need root, iproute2, nftables, iptables and ipset", () => {
    throw new Error("run as root with nft, iptables, ipset and python3 installed");
  });
}

describeKernel.each(["nftables", "iptables"] as const)("kernel agrees with the oracle: %s", (backend) => {
  let peer: Netns;
  let site: Netns;
  const dir = mkdtempSync(join(tmpdir(), "secgroups-diff-"));
  beforeAll(() => {
    const suffix = uniqueSuffix();
    peer = Netns.create(`sgt-${suffix}-peer`);
    site = Netns.create(`sgt-${suffix}-site`);
    connect(peer, [`${PEER}/24`], site, [`${SITE}/24`, `${SITE_OUT}/24`]);
    site.exec("ip", ["route", "add", "default", "via", PEER]);
    // Spoofed sources must reach the input hook: no reverse-path filter.
    for (const ns of [peer, site]) ns.exec("sysctl", ["-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"]);
    site.exec("nft", ["-f", "-"], OBSERVER);
  });
  afterAll(() => {
    site?.delete();
    peer?.delete();
  });

  test(`${POLICIES} random policies, every kernel verdict equals the oracle's`, () => {
    const random = seededRandom(SEED + (backend === "nftables" ? 0 : 1));
    let judged = 0;
    const disagreements: unknown[] = [];
    for (let n = 0; n < POLICIES; n++) {
      const doc = randomPolicy(random);
      const controlPlane = n % 3 === 0 ? [{ address: "198.51.100.200", port: 8787 }] : [];
      const mode = "host" as const;
      const policy = normalizePolicy(doc, { mode, controlPlane });
      const text = compilePolicy(doc, backend, { mode });
      let loaded;
      if (backend === "nftables") {
        const file = join(dir, `policy-${n}.nft`);
        writeFileSync(file, text + controlPlaneElements(controlPlane));
        site.exec("nft", ["-c", "-f", file]);
        site.exec("nft", ["-f", file]);
        loaded = nftables.read(site.exec("nft", ["-j", "list", "table", "inet", "secgroups"]));
      } else {
        const config = splitIptablesConfig(text);
        site.exec("ipset", ["restore"], config.ipset + controlPlaneIpset(controlPlane));
        site.exec("iptables-restore", ["-t", "--noflush"], config.iptables);
        site.exec("iptables-restore", ["--noflush"], config.iptables);
        for (const jump of config.jumps) {
          if (site.tryExec("iptables", ["-C", jump.chain, ...jump.rule]).code !== 0) {
            site.exec("iptables", ["-I", jump.chain, "1", ...jump.rule]);
          }
        }
        loaded = iptables.read({ iptablesSave: site.exec("iptables-save", []), ipsetSave: site.exec("ipset", ["save"]) });
      }
      const listed = checkEquivalence(policy, loaded, { random: 300, seed: n });
      expect({ policy: n, disagreements: listed.disagreements.slice(0, 3) }).toEqual({ policy: n, disagreements: [] });

      const result = sendAndJudge({ peer, site }, policy, pickPackets(policy, random));
      judged += result.judged;
      disagreements.push(...result.disagreements.map((d) => ({ policy: n, ...d })));
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(judged).toBeGreaterThanOrEqual(1000);
  }, 300_000);
});
