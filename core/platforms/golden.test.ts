/**
 * Golden files of the seed example ("Web Application Servers": tcp 443 and 80
 * from anywhere, tcp 22 from the office prefix list). Regenerate after an
 * intended change with SECGROUPS_UPDATE_GOLDEN=1 and review the diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from ".";
import type { PolicyDocumentInput } from "../policy";
import type { Platform } from "../model";

const DATA = join(__dirname, "testdata");
const seed: PolicyDocumentInput = JSON.parse(readFileSync(join(DATA, "seed.json"), "utf8"));
const GOLDEN: Record<Platform, string> = {
  nftables: "seed.nftables.nft",
  iptables: "seed.iptables.txt",
  routeros: "seed.routeros.rsc",
};

describe.each(Object.entries(GOLDEN) as [Platform, string][])("%s golden file", (target, file) => {
  const path = join(DATA, file);
  const output = compilePolicy(seed, target);
  if (process.env.SECGROUPS_UPDATE_GOLDEN) writeFileSync(path, output);

  test("matches the golden file byte for byte", () => {
    expect(output).toBe(readFileSync(path, "utf8"));
  });

  test("does not depend on the order of rules, groups or prefix entries in the document", () => {
    const shuffled: PolicyDocumentInput = {
      prefix_lists: seed.prefix_lists!.map((l) => ({ ...l, prefixes: [...l.prefixes].reverse() })),
      security_groups: seed.security_groups.map((g) => ({ ...g, rules: [...g.rules].reverse() })),
    };
    expect(compilePolicy(shuffled, target)).toBe(output);
  });

  test("carries every rule of the seed in evaluation order", () => {
    const ids = ["10", "20", "30"].map((order) => `${seed.security_groups[0].id}:${order}`);
    const positions = ids.map((id) => output.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

/**
 * Golden files of groups named as peers: "database" accepts tcp/5432 and
 * ICMPv6 from group web (two sites, both families), udp/53 from an empty group,
 * all outbound to itself ("self"), and tcp/22 from a prefix list whose id
 * shares its body with the web group's.
 */
const groups: PolicyDocumentInput = JSON.parse(readFileSync(join(DATA, "groups.json"), "utf8"));
const GROUPS_GOLDEN: Record<Platform, string> = {
  nftables: "groups.nftables.nft",
  iptables: "groups.iptables.txt",
  routeros: "groups.routeros.rsc",
};

describe.each(Object.entries(GROUPS_GOLDEN) as [Platform, string][])("%s golden file of group references", (target, file) => {
  const path = join(DATA, file);
  const output = compilePolicy(groups, target);
  if (process.env.SECGROUPS_UPDATE_GOLDEN) writeFileSync(path, output);

  test("matches the golden file byte for byte", () => {
    expect(output).toBe(readFileSync(path, "utf8"));
  });

  test("does not depend on the order of referenced groups, their members or their addresses", () => {
    const shuffled: PolicyDocumentInput = {
      ...groups,
      referenced_groups: [...groups.referenced_groups!]
        .reverse()
        .map((g) => ({ ...g, members: [...g.members].reverse().map((m) => ({ ...m, addresses: [...m.addresses].reverse() })) })),
    };
    expect(compilePolicy(shuffled, target)).toBe(output);
  });
});
