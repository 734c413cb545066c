/**
 * RouterOS output: no router can run here, so these are syntax tests of the
 * script plus the oracle on the parsed script (core/platforms/equivalence.test.ts).
 * See docs/routeros.md.
 */
import { compilePolicy } from "..";
import { normalizePolicy } from "../../policy";
import { seededRandom } from "../../analyze/equivalence";
import { randomPolicy } from "../../../test/support/policies";
import { parseArgs } from "./read";

const FILTER_KEYS = new Set([
  "chain",
  "action",
  "jump-target",
  "protocol",
  "src-address",
  "dst-address",
  "src-address-list",
  "dst-address-list",
  "dst-port",
  "icmp-options",
  "connection-state",
  "in-interface",
  "out-interface",
  "log",
  "log-prefix",
  "comment",
  "place-before",
]);

function balanced(line: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c) && --depth < 0) return false;
  }
  return depth === 0 && !quoted;
}

describe.each(["host", "router"] as const)("RouterOS script syntax (%s mode)", (mode) => {
  const random = seededRandom(mode === "host" ? 31 : 32);
  const docs = Array.from({ length: 40 }, () => randomPolicy(random, { families: [4, 6] }));

  test("every line is a comment, a block brace, a variable/condition or a firewall add/remove with known properties", () => {
    for (const doc of docs) {
      const lines = compilePolicy(doc, "routeros", { mode }).trimEnd().split("\n");
      expect(lines.filter((l) => l === "{").length).toBe(1);
      expect(lines[lines.length - 1]).toBe("}");
      for (const line of lines) {
        expect(balanced(line) || line === "{" || line === "}").toBe(true);
        if (line === "{" || line === "}" || line.startsWith("#") || line.startsWith(":local ") || line.startsWith(":if ")) continue;
        const add = /^\/ipv6? firewall (filter|address-list) add (.*)$/.exec(line);
        if (add) {
          const args = parseArgs(add[2], { slot: "a", slot6: "a" });
          if (add[1] === "address-list") expect(Object.keys(args).sort()).toEqual(["address", "comment", "list"]);
          else for (const key of Object.keys(args)) expect(FILTER_KEYS.has(key)).toBe(true);
          expect(args.comment).toMatch(/^secgroups:/);
          continue;
        }
        expect(line).toMatch(/^\/ipv6? firewall (filter|address-list) remove \[find where comment(=|~)\(.*\)\]$/);
      }
    }
  });

  test("everything added carries a secgroups comment tag, and each rule its rule id", () => {
    for (const doc of docs) {
      const script = compilePolicy(doc, "routeros", { mode });
      for (const rule of normalizePolicy(doc, { mode }).rules) expect(script).toContain(`":${rule.id}")`);
    }
  });

  test("removal only touches what secgroups owns: the new slot first, the old slot after the new jumps", () => {
    const lines = compilePolicy(docs[0], "routeros", { mode }).split("\n");
    const firstJump = lines.findIndex((l) => l.includes("action=jump"));
    const removals = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith("/") && l.includes(" remove "));
    for (const [line, i] of removals) {
      expect(line).toMatch(/comment(=|~)\("(\^)?secgroups:/);
      // Before the jump switch only the new (not live) slot is cleaned; the old one only after.
      expect(line.includes("$old") ? i > firstJump : i < firstJump).toBe(true);
    }
  });
});
