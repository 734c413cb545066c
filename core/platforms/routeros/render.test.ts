/**
 * RouterOS output: no router can run here, so these are syntax tests of the
 * script plus the oracle on the parsed script (core/platforms/equivalence.test.ts).
 * See docs/routeros.md.
 */
import { compilePolicy } from "..";
import { isEssentialIcmpv6, normalizePolicy } from "../../policy";
import { seededRandom } from "../../analyze/equivalence";
import { randomPolicy } from "../../../test/support/policies";
import { ROUTEROS_UNMANAGED } from "./enforce";
import { parseArgs, readRouteros } from "./read";

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
        const add = /^\/ip(?:v6)? firewall (filter|address-list) add (.*)$/.exec(line);
        if (add) {
          const args = parseArgs(add[2], { slot: "a", slot6: "a" });
          if (add[1] === "address-list") expect(Object.keys(args).sort()).toEqual(["address", "comment", "list"]);
          else for (const key of Object.keys(args)) expect(FILTER_KEYS.has(key)).toBe(true);
          expect(args.comment).toMatch(/^secgroups:/);
          continue;
        }
        expect(line).toMatch(/^\/ip(?:v6)? firewall (filter|address-list) remove \[find where comment(=|~)\(.*\)\]$/);
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

describe.each(["host", "router"] as const)("IPv6 in the RouterOS script (%s mode)", (mode) => {
  const LIST = "prfx_lst_000000000000000000000000001";
  const doc = {
    prefix_lists: [{ id: LIST, name: "office", prefixes: [{ cidr: "203.0.113.0/24" }, { cidr: "2001:db8:10::/48" }] }],
    security_groups: [
      {
        id: "sec_grp_1",
        name: "dual",
        rules: [
          { direction: "inbound" as const, order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "web v4" },
          { direction: "inbound" as const, order: 20, protocol: 6, port: "443", address: "::/0", description: "web v6" },
          { direction: "inbound" as const, order: 30, protocol: 6, port: "22", address: LIST, description: "ssh office" },
          {
            direction: "inbound" as const,
            order: 40,
            protocol: 58,
            port: "",
            icmp_type: 128,
            icmp_code: 0,
            address: "2001:db8:20::/64",
            description: "ping6",
          },
          {
            direction: "inbound" as const,
            order: 50,
            protocol: 1,
            port: "",
            icmp_type: 8,
            address: "198.51.100.0/24",
            description: "ping",
          },
          { direction: "outbound" as const, order: 60, protocol: 17, port: "53", address: "2001:db8::53/128", description: "dns6" },
          { direction: "outbound" as const, order: 70, protocol: 58, port: "", address: LIST, description: "icmpv6 to the office" },
        ],
      },
    ],
  };
  const lines = compilePolicy(doc, "routeros", { mode }).split("\n");
  const ruleLine = (menu: "/ip" | "/ipv6", order: number, chain = "input") =>
    lines.find((l) => l.startsWith(`${menu} firewall filter add chain=("secgroups-${chain}-`) && l.includes(`:sec_grp_1:${order}")`));
  const tablesOf = (order: number) =>
    (["/ip", "/ipv6"] as const).filter((menu) => lines.some((l) => l.startsWith(`${menu} `) && l.includes(`:sec_grp_1:${order}")`)));

  test("a rule is in the table of each family it applies to; a prefix-list rule in both, with that table's list", () => {
    expect([10, 20, 30, 40, 50, 60, 70].map(tablesOf)).toEqual([
      ["/ip"],
      ["/ipv6"],
      ["/ip", "/ipv6"],
      ["/ipv6"],
      ["/ip"],
      ["/ipv6"],
      ["/ipv6"],
    ]);
    expect(ruleLine("/ipv6", 20)).toMatch(/ action=accept protocol=tcp dst-port=443 comment=/);
    expect(ruleLine("/ipv6", 40)).toMatch(/ protocol=icmpv6 src-address=2001:db8:20::\/64 icmp-options=128:0 /);
    expect(ruleLine("/ipv6", 60, "output")).toMatch(/ protocol=udp dst-address=2001:db8::53\/128 dst-port=53 /);
    expect(ruleLine("/ipv6", 30)).toContain(`src-address-list=("sg-" . $slot6 . "-${LIST}")`);
    expect(ruleLine("/ip", 30)).toContain(`src-address-list=("sg-" . $slot . "-${LIST}")`);
    const members = (menu: string) =>
      lines.filter((l) => l.startsWith(`${menu} firewall address-list add `)).map((l) => /address=(\S+)/.exec(l)![1]);
    expect(members("/ip")).toEqual(["203.0.113.0/24"]);
    expect(members("/ipv6")).toEqual(["2001:db8:10::/48"]);
  });

  test("each table uses only its own slot variables", () => {
    for (const line of lines) {
      if (line.startsWith("/ipv6 ")) expect(line).not.toMatch(/\$(slot|old)\b/);
      else if (line.startsWith("/ip ")) expect(line).not.toMatch(/\$(slot6|old6)\b/);
    }
  });

  test("every IPv6 chain: loopback, the essential ICMPv6 accepts, connection state, ..., a final drop", () => {
    for (const hook of mode === "router" ? ["input", "output", "forward"] : ["input", "output"]) {
      const chain = lines
        .filter((l) => l.startsWith(`/ipv6 firewall filter add chain=("secgroups-${hook}-`))
        .map((l) => /:([^:"]+)"\)$/.exec(l)![1]);
      const essential = chain.filter((tag) => tag === "icmpv6").length;
      expect(essential).toBeGreaterThan(0);
      const start = hook === "forward" ? 0 : 1;
      if (hook !== "forward") expect(chain[0]).toBe("loopback");
      expect(chain.slice(start, start + essential).every((tag) => tag === "icmpv6")).toBe(true);
      expect(chain.slice(start + essential, start + essential + 2)).toEqual(["established", "invalid"]);
      expect(chain[chain.length - 1]).toBe("default");
      expect(lines.find((l) => l.startsWith(`/ipv6 firewall filter add chain=("secgroups-${hook}-`) && l.endsWith(':default")'))).toMatch(
        / action=drop comment=/,
      );
    }
  });

  test("the essential ICMPv6 accepts match exactly the types and codes of core/policy/icmpv6.ts", () => {
    const loaded = readRouteros({ script: lines.join("\n") });
    const chain = loaded.chains.get("ipv6/secgroups-input-a")!;
    const accepts = chain.rules.filter((r) => r.comment === "secgroups:a:icmpv6");
    for (let type = 0; type <= 255; type++) {
      for (let code = 0; code <= 255; code++) {
        const accepted = accepts.some((r) =>
          r.matches.some(
            (m) => m.kind === "icmp" && m.family === 6 && m.type === type && m.code !== undefined && code >= m.code[0] && code <= m.code[1],
          ),
        );
        if (accepted !== isEssentialIcmpv6(type, code)) throw new Error(`ICMPv6 ${type}:${code}: accepted ${accepted}`);
      }
    }
  });
});

test("the unmanaged script clears both tables but keeps the bootstrap's control-plane entries", () => {
  const lines = ROUTEROS_UNMANAGED.split("\n");
  for (const menu of ["/ip", "/ipv6"]) {
    expect(lines).toContain(`${menu} firewall filter remove [find where comment~"^secgroups:"]`);
    const lists = lines.find((l) => l.startsWith(`${menu} firewall address-list remove `))!;
    // RouterOS `~` is a POSIX extended regular expression; this one reads the same in JavaScript.
    const pattern = new RegExp(/comment~"([^"]*)"/.exec(lists)![1]);
    expect(["secgroups:a:list", "secgroups:b:list"].every((c) => pattern.test(c))).toBe(true);
    expect(pattern.test("secgroups:bootstrap")).toBe(false);
  }
});
