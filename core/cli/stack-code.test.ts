/**
 * The stack code generator's edges that the integration test
 * (test/integration/stack-code-terraform.test.ts) runs through terraform:
 * here, what the text says for each of them.
 */
import { renderStack, StackCodeError, type Inventory } from "./stack-code";

const rule = (order: number, address: string, description = "r") => ({
  direction: "inbound" as const,
  order,
  protocol: 6,
  port: "22",
  address,
  description,
  action: "accept" as const,
  icmp_type: null,
  icmp_code: null,
  log: false,
});

const A = "sec_grp_aaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B = "sec_grp_bbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C = "sec_grp_ccccccccccccccccccccccccccc";

function inventory(groups: Inventory["securityGroups"]): Inventory {
  return { sites: [], prefixLists: [], securityGroups: groups };
}

const group = (id: string, name: string, rules: ReturnType<typeof rule>[]) => ({ id, name, description: null, rules, sites: [] });

describe("renderStack", () => {
  it("Terraform strings: template sequences doubled, \\b and \\f as \\u escapes, the rest as JSON writes them", () => {
    const code = renderStack("terraform", inventory([group(A, "g", [rule(1, "10.0.0.0/8", 'a "q" \\ ${x} %{y} $${z}\b\f\t')])]), {
      adopt: false,
      generatedBy: "test",
    });
    expect(code).toContain('description = "a \\"q\\" \\\\ $${x} %%{y} $$${z}\\u0008\\u000c\\t" }');
  });

  it("names: Terraform names are unique and valid, TypeScript ones avoid the program's own identifiers", () => {
    const inv: Inventory = {
      sites: [{ id: "site_aaaaaaaaaaaaaaaaaaaaaaaaaaa", name: "web-1", platform: "nftables", mode: "host", addresses: ["10.0.0.5/32"] }],
      prefixLists: [{ id: "prfx_lst_aaaaaaaaaaaaaaaaaaaaaaaaaa", name: "web 1", description: null, prefixes: [], sites: [] }],
      securityGroups: [group(A, "9 lives", []), group(B, "app", []), group(C, "日本", [])],
    };
    const terraform = renderStack("terraform", inv, { adopt: false, generatedBy: "test" });
    expect(terraform.match(/^resource "\w+" "[^"]+"/gm)).toEqual([
      'resource "secgroups_site" "web_1"',
      'resource "secgroups_prefix_list" "web_1_2"',
      'resource "secgroups_security_group" "_9_lives"',
      'resource "secgroups_security_group" "app"',
      'resource "secgroups_security_group" "security_group"',
    ]);
    expect(terraform).toContain('  addresses = ["10.0.0.5/32"]');
    expect(terraform).toContain("  prefixes = []");
    const cdktf = renderStack("cdktf", inv, { adopt: false, generatedBy: "test" });
    // Construct ids are the variables: CDKTF makes them the Terraform names.
    expect(cdktf).toContain(`const app2 = new SecurityGroup(this, "app2", {`);
    expect(cdktf).toContain(`const _9Lives = new SecurityGroup(this, "_9Lives", {`);
    expect(cdktf).toContain(`addresses: ["10.0.0.5/32"],`);
  });

  it("groups are written after the groups they name; a group naming itself says self, in every format", () => {
    // C names B, which is declared later: B moves up. A names itself and C; C does not name A.
    const groups = [group(A, "a", [rule(1, A), rule(2, C)]), group(C, "c", [rule(1, B)]), group(B, "b", [])];
    const adopted = renderStack("terraform", inventory(groups), { adopt: true, generatedBy: "test" });
    expect(adopted.split("\n").filter((l) => l.startsWith("resource"))).toEqual([
      'resource "secgroups_security_group" "b" {',
      'resource "secgroups_security_group" "c" {',
      'resource "secgroups_security_group" "a" {',
    ]);
    for (const adopt of [true, false]) {
      expect(renderStack("terraform", inventory(groups), { adopt, generatedBy: "test" })).toContain(
        `order = 1, protocol = 6, port = "22", address = "self"`,
      );
      for (const format of ["pulumi", "cdktf"] as const) {
        expect(renderStack(format, inventory(groups), { adopt, generatedBy: "test" })).toContain(
          `{ direction: "inbound", order: 1, protocol: 6, port: "22", address: "self", description: "r" }`,
        );
      }
    }
    expect(adopted).toContain(`order = 2, protocol = 6, port = "22", address = secgroups_security_group.c.id`);
    const pulumi = renderStack("pulumi", inventory(groups), { adopt: true, generatedBy: "test" });
    expect(pulumi).toContain(`{ direction: "inbound", order: 1, protocol: 6, port: "22", address: b.id, description: "r" }`);
  });

  it("groups naming each other: refused for new objects, the later one named by id for existing ones", () => {
    const groups = [group(A, "a", [rule(1, B)]), group(B, "b", [rule(1, A)])];
    for (const format of ["pulumi", "terraform", "cdktf"] as const) {
      expect(() => renderStack(format, inventory(groups), { adopt: false, generatedBy: "test" })).toThrow(
        new StackCodeError(
          `security group "b", rule 1, names a group that refers back to it: --${format} code cannot create groups that refer to each other in one run. Run \`secgroups import --apply\` instead; \`secgroups export --${format}\` then writes code that adopts them.`,
        ),
      );
    }
    expect(renderStack("terraform", inventory(groups), { adopt: true, generatedBy: "test" })).toContain(`address = "${A}"`);
  });
});
