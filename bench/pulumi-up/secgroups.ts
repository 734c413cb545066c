/** Bench program: the policy of shape.ts through secgroups/pulumi against a real core. */
import type * as secgroups from "../../provider/pulumi";
// By package name, so the providers load the compiled package (dist/) as users' programs do.
const { PrefixList, SecurityGroup }: typeof secgroups = require("secgroups/pulumi");
import { GROUPS, LISTS, prefixesOf, rulesOf } from "./shape";

const lists = Array.from({ length: LISTS }, (_, i) => new PrefixList(`list-${i}`, { name: `list-${i}`, prefixes: prefixesOf(i) }));
for (let i = 0; i < GROUPS; i++) {
  new SecurityGroup(`group-${i}`, {
    name: `group-${i}`,
    rules: rulesOf(
      i,
      lists.map((l) => l.id),
    ),
    sites: [],
  });
}
