/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * What the stack-code tests (test/integration/stack-code-*.test.ts) share:
 * an organization of a test core, `secgroups import|export` run for its
 * code, and the check that an organization holds what an import describes.
 */
import { documentInventory } from "../../core/cli/apply-import";
import { tokenFor, type Core } from "./pulumi-core";
import { cli } from "./secgroups";

/** An organization of `core` (a fresh one per name): its token, the CLI's auth flags and API calls. */
export function organization(core: Core, name: string) {
  const token = tokenFor(`${name}-${Math.random().toString(36).slice(2, 8)}`);
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(core.endpoint + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    token,
    auth: ["--endpoint", core.endpoint, "--token", token],
    get: (p: string) => call("GET", p),
    post: (p: string, body: unknown) => call("POST", p, body),
    put: (p: string, body: unknown) => call("PUT", p, body),
  };
}
export type Organization = ReturnType<typeof organization>;

/** `secgroups ARGS`, whose stdout is the code: exit 0, or 3 when the report says some input rule was left out. */
export async function stackCode(args: string[], exit = 0): Promise<string> {
  const r = await cli(args);
  if (r.code !== exit) throw new Error(`secgroups ${args.join(" ")} exited ${r.code}, not ${exit}:\n${r.stderr}`);
  return r.stdout;
}

type Rule = Record<string, unknown>;
const RULE_KEYS = ["direction", "order", "protocol", "port", "address", "description", "action", "icmp_type", "icmp_code", "log"];
const ruleKey = (r: Rule, address = (a: string) => a) => ({
  ...Object.fromEntries(RULE_KEYS.map((k) => [k, r[k]])),
  address: address(r.address as string),
});

/** The organization holds exactly what `secgroups import` without a stack flag prints (ids matched by name). */
export async function expectHolds(org: Organization, documentJson: string): Promise<void> {
  const wanted = documentInventory(JSON.parse(documentJson));
  const lists: any[] = await org.get("/vpc/prefix-lists");
  const groups: any[] = await org.get("/vpc/security-groups");
  const idOf = new Map<string, string>();
  for (const l of wanted.prefixLists) idOf.set(l.id, lists.find((x) => x.name === l.name)?.id ?? `no list ${l.name}`);
  for (const g of wanted.securityGroups) idOf.set(g.id, groups.find((x) => x.name === g.name)?.id ?? `no group ${g.name}`);
  expect(
    lists.map((l) => ({ name: l.name, cidrs: l.prefixes.map((p: any) => p.cidr).sort() })).sort((a, b) => a.name.localeCompare(b.name)),
  ).toEqual(
    wanted.prefixLists
      .map((l) => ({ name: l.name, cidrs: l.prefixes.map((p) => p.cidr).sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
  expect(groups.map((g) => g.name).sort()).toEqual(wanted.securityGroups.map((g) => g.name).sort());
  for (const g of wanted.securityGroups) {
    const held = groups.find((x) => x.name === g.name);
    expect({ name: g.name, rules: held.rules.map((r: Rule) => ruleKey(r)) }).toEqual({
      name: g.name,
      rules: g.rules.map((r) => ruleKey(r as Rule, (a) => idOf.get(a) ?? a)),
    });
  }
}

/**
 * AWS groups whose first names the second (a forward reference), with ICMP
 * type and code -1 (any); the second names itself (written `self`), and with
 * `cycle` names the first back too.
 */
export function awsGroups(cycle: boolean): string {
  const pair = (id: string) => [{ GroupId: id, UserId: "123456789012", Description: `from ${id}` }];
  const permission = (IpProtocol: string, FromPort: number, ToPort: number, more: object) => ({
    IpProtocol,
    FromPort,
    ToPort,
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
    ...more,
  });
  return JSON.stringify({
    SecurityGroups: [
      {
        GroupName: "database",
        GroupId: "sg-0000000000000000d",
        Description: "database servers",
        IpPermissions: [
          permission("tcp", 5432, 5432, { UserIdGroupPairs: pair("sg-0000000000000000a") }),
          permission("icmp", -1, -1, { IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "any ICMP" }] }),
          permission("icmp", 3, -1, { IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "unreachable, any code" }] }),
          permission("58", -1, -1, { Ipv6Ranges: [{ CidrIpv6: "2001:db8::/32", Description: "any ICMPv6" }] }),
        ],
        IpPermissionsEgress: [],
      },
      {
        GroupName: "webserver",
        GroupId: "sg-0000000000000000a",
        Description: "web servers",
        IpPermissions: [
          permission("tcp", 443, 443, { IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }] }),
          permission("tcp", 9000, 9000, { UserIdGroupPairs: pair(cycle ? "sg-0000000000000000d" : "sg-0000000000000000a") }),
          ...(cycle ? [permission("tcp", 9100, 9100, { UserIdGroupPairs: pair("sg-0000000000000000a") })] : []),
        ],
        IpPermissionsEgress: [],
      },
    ],
  });
}
