/** Groups as rule peers in the normal form: resolution, families, collapse, validation, and derivation from a document's sites. */
import { ValidationError, validateSecurityGroupWrite } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from ".";

const WEB = "sec_grp_000000000000000000000000web";
const DB = "sec_grp_0000000000000000000000000db";
const rule = (order: number, extra: object = {}) => ({
  direction: "inbound" as const,
  order,
  protocol: 6,
  port: "5432",
  address: WEB,
  description: `rule ${order}`,
  ...extra,
});
const web = (members: { site: string; name?: string; addresses: string[] }[]) => ({ id: WEB, name: "web", members });

function issuesOf(doc: PolicyDocumentInput): { path: string; message: string }[] {
  try {
    normalizePolicy(doc);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map(({ path, message }) => ({ path: path ?? "", message }));
    throw err;
  }
  throw new Error("expected a ValidationError");
}

test("a rule naming a group matches its members' addresses in both families, collapsed as a prefix list is", () => {
  const policy = normalizePolicy({
    security_groups: [{ id: DB, name: "database", rules: [rule(10)] }],
    referenced_groups: [
      web([
        { site: "site_a", name: "web-1", addresses: ["10.0.1.4/32", "fd00:1::5/128"] },
        { site: "site_b", addresses: ["10.0.1.5/32", "10.0.1.4/32"] },
      ]),
    ],
  });
  const [r] = policy.rules;
  expect(r.address).toEqual({ kind: "group", id: WEB });
  expect(r.families).toEqual([4, 6]);
  expect(policy.groupReferences).toEqual([
    expect.objectContaining({ id: WEB, name: "web", cidrs: ["10.0.1.4/31"], cidrs6: ["fd00:1::5/128"] }),
  ]);
  expect(policy.groupReferences[0].members.map((m) => m.site)).toEqual(["site_a", "site_b"]);
  expect(r.ranges).toBe(policy.groupReferences[0].ranges);
  expect(r.ranges6).toBe(policy.groupReferences[0].ranges6);
});

test("ICMP narrows a group rule to IPv4 and ICMPv6 to IPv6; a group without members matches nothing", () => {
  const policy = normalizePolicy({
    security_groups: [
      {
        id: DB,
        name: "database",
        rules: [rule(10, { protocol: 1, port: "" }), rule(20, { protocol: 58, port: "" }), rule(30, { address: DB })],
      },
    ],
    referenced_groups: [web([{ site: "site_a", addresses: ["10.0.1.4/32", "fd00:1::5/128"] }]), { id: DB, name: "database", members: [] }],
  });
  const [icmp, icmp6, self] = policy.rules;
  expect([icmp.families, icmp.ranges.length, icmp.ranges6.length]).toEqual([[4], 1, 0]);
  expect([icmp6.families, icmp6.ranges.length, icmp6.ranges6.length]).toEqual([[6], 0, 1]);
  expect([self.families, self.ranges, self.ranges6]).toEqual([[4, 6], [], []]);
  expect(policy.groupReferences.map((g) => g.id)).toEqual([DB, WEB]);
});

test("a rule naming a group absent from referenced_groups is refused with its document path, like an unknown prefix list", () => {
  expect(issuesOf({ security_groups: [{ id: DB, name: "database", rules: [rule(10, { address: "10.0.0.0/8" }), rule(20)] }] })).toEqual([
    {
      path: "security_groups[0].rules[1].address",
      message: `security_groups[0].rules[1].address: security group ${WEB} does not exist in this organization; a policy document lists it in referenced_groups, or holds that group (with its sites) and a sites list`,
    },
  ]);
});

test("referenced_groups entries are checked: ids, duplicates, member addresses", () => {
  const issues = issuesOf({
    security_groups: [{ id: DB, name: "database", rules: [rule(10)] }],
    referenced_groups: [
      web([{ site: "site_a", addresses: ["10.0.1.5", "10.0.1.5/24"] }]),
      web([]),
      { id: "sec_grp_short", name: "x", members: [] },
    ],
  });
  expect(issues.map((i) => i.path)).toEqual([
    "referenced_groups[0].members[0].addresses[0]",
    "referenced_groups[0].members[0].addresses[1]",
    "referenced_groups[1].id",
    "referenced_groups[2].id",
  ]);
  expect(issues[1].message).toMatch(/host bits set; did you mean 10\.0\.1\.0\/24\?/);
  expect(issues[2].message).toBe(`referenced_groups[1].id: ${WEB} is already listed at referenced_groups[0]`);
});

test("without referenced_groups, members come from the document's group sites and its sites' effective addresses", () => {
  const policy = normalizePolicy({
    sites: [
      { id: "site_a", name: "web-1", addresses: ["10.0.1.5/32"], reported_addresses: ["10.9.9.9/32"] },
      { id: "site_b", name: "web-2", addresses: [], reported_addresses: ["10.0.1.6/32"] },
    ],
    security_groups: [
      { id: WEB, name: "web", sites: ["site_a", "site_b", "site_gone"], rules: [rule(5, { address: "0.0.0.0/0" })] },
      { id: DB, name: "database", rules: [rule(10)] },
    ],
  });
  expect(policy.groupReferences).toEqual([
    expect.objectContaining({
      id: WEB,
      cidrs: ["10.0.1.5/32", "10.0.1.6/32"],
      members: [
        { site: "site_a", name: "web-1", addresses: ["10.0.1.5/32"] },
        { site: "site_b", name: "web-2", addresses: ["10.0.1.6/32"] },
        { site: "site_gone", addresses: [] },
      ],
    }),
  ]);
});

test("the model accepts a security group id as a rule address (any protocol family), and refuses a malformed one", () => {
  const group = (address: string, protocol = 58) => ({
    name: "database",
    sites: [],
    rules: [{ direction: "inbound", order: 1, protocol, port: "", address, description: "peer" }],
  });
  expect(validateSecurityGroupWrite(group(WEB)).ok).toBe(true);
  expect(validateSecurityGroupWrite(group(WEB, 1)).ok).toBe(true);
  const bad = validateSecurityGroupWrite(group("sec_grp_nope"));
  expect(bad.ok ? [] : bad.issues.map((i) => i.message)).toEqual([
    'rules[0].address: "sec_grp_nope" is not a security group id (sec_grp_ followed by 27 letters or digits)',
  ]);
});

test("self names the rule's own group: its sites are the members; a group without an id cannot say self", () => {
  const policy = normalizePolicy({
    sites: [
      { id: "site_a", name: "a", addresses: ["10.0.1.4/32"] },
      { id: "site_b", name: "b", addresses: [], reported_addresses: ["10.0.1.5/32"] },
    ],
    security_groups: [{ id: WEB, name: "web", sites: ["site_a", "site_b"], rules: [rule(10, { address: "self" })] }],
  } as PolicyDocumentInput);
  expect(policy.rules[0].address).toEqual({ kind: "group", id: WEB });
  expect(policy.groupReferences.map((g) => [g.id, g.cidrs])).toEqual([[WEB, ["10.0.1.4/31"]]]);
  expect(issuesOf({ security_groups: [{ name: "anonymous", rules: [rule(10, { address: "self" })] }] })).toEqual([
    {
      path: "security_groups[0].rules[0].address",
      message:
        "security_groups[0].rules[0].address: self names the rule's own group, which a policy document gives by its id (sec_grp_...): add the group's id",
    },
  ]);
});
