/** Lint of rules naming groups as peers: a group with no addresses (of the rule's family) is a warning that names it. */
import { lint } from "./lint";

const WEB = "sec_grp_000000000000000000000000web";
const DB = "sec_grp_0000000000000000000000000db";
const doc = (members: { site: string; addresses: string[] }[], protocol = 6) => ({
  security_groups: [
    {
      id: DB,
      name: "database",
      rules: [
        { direction: "inbound" as const, order: 10, protocol, port: protocol === 6 ? "5432" : "", address: WEB, description: "app to db" },
        { direction: "outbound" as const, order: 20, protocol: 0, port: "", address: "0.0.0.0/0", description: "out" },
      ],
    },
  ],
  referenced_groups: [{ id: WEB, name: "web", members }],
});
const groupFindings = (d: ReturnType<typeof doc>) => lint(d).filter((f) => f.kind === "empty-group-reference");

test("a group with no member sites", () => {
  expect(groupFindings(doc([]))).toEqual([
    {
      kind: "empty-group-reference",
      severity: "medium",
      message: `rule ${DB}:10 names group "web" (${WEB}) as its peer, which has no member sites: the rule matches nothing until a site with addresses joins the group`,
      rules: [expect.objectContaining({ id: `${DB}:10`, peerGroupId: WEB })],
      referencedGroupId: WEB,
    },
  ]);
});

test("member sites without addresses, and an ICMP rule on a group with IPv6 addresses only", () => {
  expect(groupFindings(doc([{ site: "site_a", addresses: [] }]))[0].message).toContain("whose 1 site has no addresses");
  const icmp = groupFindings(
    doc(
      [
        { site: "site_a", addresses: ["fd00::1/128"] },
        { site: "site_b", addresses: [] },
      ],
      1,
    ),
  );
  expect(icmp.map((f) => [f.message.includes("whose 2 sites have no IPv4 addresses: the icmp rule"), f.family])).toEqual([[true, 4]]);
});

test("no finding once a member has an address of the rule's family", () => {
  expect(groupFindings(doc([{ site: "site_a", addresses: ["10.0.1.5/32"] }]))).toEqual([]);
  expect(groupFindings(doc([{ site: "site_a", addresses: ["fd00::1/128"] }]))).toEqual([]);
});
