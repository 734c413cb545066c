/**
 * The cloud formats: documented example shapes (test/fixtures/import) import
 * with exactly the report lines expected, and random policies written in each
 * shape (test/support/cloud-shapes.ts) import back equal by the oracle.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../analyze";
import { disagreements } from "../../test/support/agree";
import { fitTo, toAws, toCfAsg, toGenesis } from "../../test/support/cloud-shapes";
import { randomPolicy } from "../../test/support/policies";
import { importAws } from "./aws";
import { importCfAsg } from "./cf-asg";
import { importGenesis } from "./genesis";
import { formatOmission } from "./report";
import { ImportInputError } from "./source";

const fixture = (name: string) => readFileSync(join(__dirname, "..", "..", "test", "fixtures", "import", name), "utf8");

describe("aws ec2 describe-security-groups", () => {
  const { document, omissions } = importAws(fixture("aws-describe-security-groups.json"));

  it("imports each group, IPv4 and IPv6 ranges, ICMP type with any code", () => {
    expect(document.security_groups.map((g) => g.name)).toEqual(["web", "db group"]); // names have at least 3 characters
    expect(document.security_groups[0].rules.map((r) => [r.direction, r.protocol, r.port, r.address, r.icmp_type ?? null])).toEqual([
      ["inbound", 6, "443", "0.0.0.0/0", null],
      ["inbound", 6, "443", "::/0", null],
      ["inbound", 6, "22", "203.0.113.0/24", null],
      ["inbound", 1, "", "10.0.0.0/8", 8],
      ["outbound", 0, "", "0.0.0.0/0", null],
      ["outbound", 0, "", "::/0", null],
    ]);
    // UserIdGroupPairs naming a group of the same file: a reference to that group (#15).
    expect(document.security_groups[0].id).toMatch(/^sec_grp_/);
    expect(document.security_groups[1].rules.map((r) => [r.protocol, r.port, r.address])).toEqual([
      [6, "5432", document.security_groups[0].id],
      [17, "8125-8126", "10.20.0.0/16"],
    ]);
  });

  it("reports the managed prefix list and the group references", () => {
    expect(omissions.map((o) => formatOmission("sg.json", o))).toEqual([
      "sg.json: SecurityGroups[0].IpPermissions[1] not imported: a managed prefix list (its entries are not in this file; import them as a prefix list first): pl-0a1b2c3d",
      "sg.json: SecurityGroups[1].IpPermissions[1] not imported: refers to a security group that is not in this file: sg-0fffffffffffff999",
    ]);
  });

  it("refuses what is not describe-security-groups output", () => {
    expect(() => importAws('{"Reservations": []}')).toThrow(ImportInputError);
    expect(() => importAws("not json")).toThrow(ImportInputError);
  });
});

describe("Cloud Foundry ASG rules", () => {
  const { document, omissions } = importCfAsg(fixture("cf-asg.json"), { name: "zone-a" });

  it("imports ranges, comma lists and ICMP -1 as any code, all outbound", () => {
    const rules = document.security_groups[0].rules;
    expect(document.security_groups[0].name).toBe("zone-a");
    expect(rules.every((r) => r.direction === "outbound")).toBe(true);
    expect(rules.map((r) => [r.protocol, r.port, r.address, r.icmp_type ?? null, r.icmp_code ?? null, r.log ?? false])).toEqual([
      [6, "80,443", "10.0.11.0/24", null, null, true],
      [17, "53", "10.0.11.0/24", null, null, false], // the range is exactly one CIDR
      [1, "", "0.0.0.0/0", 0, null, false],
      // A comma list: one rule per address or range (a range is stored as such).
      [0, "", "10.0.0.1/32", null, null, false],
      [0, "", "10.0.0.5-10.0.0.8", null, null, false],
      [0, "", "192.168.1.100/32", null, null, false],
      [6, "5671-5672", "10.0.12.0/24", null, null, false],
    ]);
    expect(document.prefix_lists).toEqual([]);
    expect(omissions.map((o) => o.reason)).toEqual(['not imported: ports "9899" on protocol sctp (ports apply to TCP and UDP only)']);
  });
});

describe("Genesis Cloud security groups", () => {
  const { document, omissions } = importGenesis(fixture("genesis-security-groups.json"));

  it("takes port_range_min/max and no remote address as any", () => {
    expect(document.security_groups[0].rules.map((r) => [r.direction, r.protocol, r.port, r.address])).toEqual([
      ["inbound", 6, "22", "0.0.0.0/0"],
      ["inbound", 6, "22", "::/0"],
      ["inbound", 6, "443", "0.0.0.0/0"],
      ["inbound", 1, "", "10.0.0.0/8"],
      ["outbound", 0, "", "0.0.0.0/0"],
      ["outbound", 0, "", "::/0"],
    ]);
    expect(omissions.map((o) => o.reason)).toEqual(['not imported: direction "sideways" is neither ingress nor egress']);
  });
});

describe.each([
  ["aws", toAws, importAws],
  ["cf-asg", toCfAsg, importCfAsg],
  ["genesis", toGenesis, importGenesis],
] as const)("random policies written as %s import back equal", (shape, write, importer) => {
  it("40 policies of both families", () => {
    const random = seededRandom(shape.length * 7);
    for (let n = 0; n < 40; n++) {
      const doc = fitTo(randomPolicy(random, { families: [4, 6], writeForms: n % 2 === 1 }), shape);
      const { document, omissions } = importer(JSON.stringify(write(doc)));
      expect({ n, omissions }).toEqual({ n, omissions: [] });
      expect({ n, differ: disagreements(doc, document, n).slice(0, 3) }).toEqual({ n, differ: [] });
    }
  });
});
