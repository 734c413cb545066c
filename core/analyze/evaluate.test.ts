import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseIPv4 } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { evaluate, type Packet4 as Packet } from ".";

const seed: PolicyDocumentInput = JSON.parse(readFileSync(join(__dirname, "..", "platforms", "testdata", "seed.json"), "utf8"));
const ip = (s: string) => parseIPv4(s)!;
const SITE = ip("192.0.2.10");
const tcpIn = (src: string, port: number, extra: Partial<Packet> = {}): Packet => ({
  hook: "input",
  protocol: 6,
  src: ip(src),
  dst: SITE,
  srcPort: 50000,
  dstPort: port,
  ...extra,
});

describe("evaluate (seed example)", () => {
  const policy = normalizePolicy(seed);

  test("HTTPS and HTTP from anywhere are accepted by their rules", () => {
    expect(evaluate(policy, tcpIn("8.8.8.8", 443)).rule?.order).toBe(10);
    expect(evaluate(policy, tcpIn("8.8.8.8", 80)).rule?.order).toBe(20);
  });

  test("SSH only from the office prefix list, including its merged halves and the list's edges", () => {
    for (const src of ["203.0.113.0", "203.0.113.127", "203.0.113.128", "203.0.113.255", "198.51.100.16", "198.51.100.31"]) {
      expect(evaluate(policy, tcpIn(src, 22))).toMatchObject({ verdict: "accept", reason: "rule" });
    }
    for (const src of ["203.0.112.255", "203.0.114.0", "198.51.100.15", "198.51.100.32"]) {
      expect(evaluate(policy, tcpIn(src, 22))).toMatchObject({ verdict: "drop", reason: "default" });
    }
  });

  test("implicit parts: loopback, connection state, default drop on both hooks", () => {
    expect(evaluate(policy, tcpIn("8.8.8.8", 22, { loopback: true })).reason).toBe("loopback");
    expect(evaluate(policy, tcpIn("8.8.8.8", 22, { state: "established" })).verdict).toBe("accept");
    expect(evaluate(policy, tcpIn("8.8.8.8", 443, { state: "invalid" })).verdict).toBe("drop");
    expect(evaluate(policy, { hook: "output", protocol: 6, src: SITE, dst: ip("8.8.8.8"), srcPort: 1, dstPort: 443 }).reason).toBe(
      "default",
    );
    expect(evaluate(policy, { hook: "input", protocol: 17, src: ip("8.8.8.8"), dst: SITE, srcPort: 1, dstPort: 443 }).verdict).toBe("drop");
  });

  test("the control-plane exception accepts exactly its endpoints, outbound tcp", () => {
    const withCp = normalizePolicy(seed, { controlPlane: [{ address: "10.1.2.3", port: 8787 }] });
    const out = (dst: string, dstPort: number, protocol = 6): Packet => ({
      hook: "output",
      protocol,
      src: SITE,
      dst: ip(dst),
      srcPort: 1,
      dstPort,
    });
    expect(evaluate(withCp, out("10.1.2.3", 8787)).reason).toBe("control-plane");
    expect(evaluate(withCp, out("10.1.2.3", 8788)).verdict).toBe("drop");
    expect(evaluate(withCp, out("10.1.2.4", 8787)).verdict).toBe("drop");
    expect(evaluate(withCp, out("10.1.2.3", 8787, 17)).verdict).toBe("drop");
  });

  test("forwarding is unfiltered in host mode and decided by the rules in router mode", () => {
    const fwd = tcpIn("8.8.8.8", 5432, { hook: "forward" });
    expect(evaluate(policy, fwd)).toMatchObject({ verdict: "accept", reason: "unfiltered" });
    const router = normalizePolicy(seed, { mode: "router" });
    expect(evaluate(router, fwd)).toMatchObject({ verdict: "drop", reason: "default" });
    expect(evaluate(router, { ...fwd, dstPort: 443 }).rule?.order).toBe(10);
  });
});

describe("evaluate: actions, ICMP, first match across groups", () => {
  const policy = normalizePolicy({
    security_groups: [
      {
        id: "sec_grp_b",
        name: "deny",
        rules: [{ direction: "inbound", order: 5, protocol: 0, port: "", address: "10.0.0.0/8", description: "deny ten", action: "drop" }],
      },
      {
        id: "sec_grp_a",
        name: "allow",
        rules: [
          { direction: "inbound", order: 5, protocol: 1, port: "", address: "0.0.0.0/0", description: "ping", icmp_type: 8, icmp_code: 0 },
          { direction: "inbound", order: 6, protocol: 0, port: "", address: "10.1.0.0/16", description: "all from 10.1" },
        ],
      },
    ],
  });
  const icmp = (src: string, icmpType: number, icmpCode: number): Packet => ({
    hook: "input",
    protocol: 1,
    src: ip(src),
    dst: SITE,
    icmpType,
    icmpCode,
  });

  test("equal orders: the smaller group id decides first", () => {
    // sec_grp_a's ping (order 5) comes before sec_grp_b's drop (order 5).
    expect(evaluate(policy, icmp("10.1.1.1", 8, 0)).rule?.description).toBe("ping");
  });

  test("a drop rule stops later accepts", () => {
    expect(evaluate(policy, icmp("10.1.1.1", 8, 1))).toMatchObject({ verdict: "drop", rule: { description: "deny ten" } });
    expect(evaluate(policy, { hook: "input", protocol: 47, src: ip("10.1.1.1"), dst: SITE })).toMatchObject({ verdict: "drop" });
  });

  test("ICMP type and code must both match", () => {
    expect(evaluate(policy, icmp("8.8.8.8", 8, 0)).verdict).toBe("accept");
    expect(evaluate(policy, icmp("8.8.8.8", 8, 1)).verdict).toBe("drop");
    expect(evaluate(policy, icmp("8.8.8.8", 0, 0)).verdict).toBe("drop");
  });
});
