/**
 * Hand-written iptables-save output and a RouterOS /export (test/fixtures/import):
 * exactly the report lines expected, user chains inlined, address lists as prefix
 * lists with their names, and what was imported decides as the input meant.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../analyze";
import { parseIPv4 } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { importIptablesSave } from "./iptables-save";
import { formatOmission } from "./report";
import { importRouteros } from "./routeros";

const fixture = (name: string) => readFileSync(join(__dirname, "..", "..", "test", "fixtures", "import", name), "utf8");
const inbound = (doc: PolicyDocumentInput, protocol: number, src: string, dstPort?: number) =>
  evaluate(normalizePolicy(doc), {
    hook: "input",
    protocol,
    src: parseIPv4(src)!,
    dst: parseIPv4("192.0.2.254")!,
    ...(dstPort ? { srcPort: 40000, dstPort } : { icmpType: 8, icmpCode: 0 }),
  }).verdict;

describe("iptables-save written by hand", () => {
  const { document, omissions } = importIptablesSave(fixture("db-01.iptables-save"));

  it("reports NAT, the rate limit and the reject", () => {
    expect(omissions.map((o) => formatOmission("db-01", o))).toEqual([
      "db-01:7: not imported: NAT cannot be expressed: -A POSTROUTING -o eth0 -j MASQUERADE",
      "db-01:20: not imported: a rate limit cannot be expressed: -A INPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 1/sec -j ACCEPT",
      "db-01:21: imported as drop: the reject reply (ICMP or TCP reset) is not kept: -A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset",
    ]);
  });

  it("inlines the SSH chain and keeps the order", () => {
    expect(inbound(document, 6, "192.0.2.9", 22)).toBe("accept");
    expect(inbound(document, 6, "198.51.100.9", 22)).toBe("drop");
    expect(inbound(document, 6, "198.51.100.9", 443)).toBe("accept");
    expect(inbound(document, 6, "198.51.100.9", 25)).toBe("drop");
    expect(inbound(document, 1, "198.51.100.9")).toBe("drop"); // the limited ping was left out
  });
});

describe("a RouterOS /export", () => {
  const { document, omissions } = importRouteros(fixture("gw-01.rsc"));

  it("reports untracked, interface lists, the forward chain and NAT", () => {
    expect(omissions.map((o) => formatOmission("gw-01.rsc", o).replace(/: \/ip firewall .*$/, ""))).toEqual([
      "gw-01.rsc:8: not imported: a connection-state rule (established,related,untracked): secgroups always accepts established/related and drops invalid",
      "gw-01.rsc:13: not imported: an interface match cannot be expressed",
      "gw-01.rsc:14: not imported: an interface match cannot be expressed",
      "gw-01.rsc:15: not imported: forward chain (router mode is not imported) (chain forward)",
      "gw-01.rsc:17: not imported: NAT cannot be expressed",
    ]);
  });

  it("keeps the address lists by name and imports the rest", () => {
    expect(document.prefix_lists!.map((l) => [l.name, l.prefixes.map((p) => p.cidr)])).toEqual([
      ["admins", ["198.51.100.0/28", "203.0.113.7/32"]],
    ]);
    expect(inbound(document, 6, "203.0.113.7", 22)).toBe("accept");
    expect(inbound(document, 6, "203.0.113.8", 22)).toBe("accept"); // policy accept at the end of input: all else passes
    expect(inbound(document, 1, "192.0.2.1")).toBe("accept");
  });
});
