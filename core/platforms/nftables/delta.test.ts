import { deltaLine, includeLine, nftDelta, nftFileObjects } from "./delta";

const file = (elements: string, rule: string) => `table inet secgroups {}
delete table inet secgroups
table inet secgroups {
\tset allowed {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { ${elements} }
\t}
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\t${rule}
\t}
}
`;

function deltaOf(before: string, after: string) {
  const planned = nftDelta(nftFileObjects(before), nftFileObjects(after));
  if (!("delta" in planned)) throw new Error(planned.unsupported);
  return planned.delta;
}

describe("nftDelta", () => {
  it("flushes and declares again only the set whose elements changed", () => {
    const delta = deltaOf(
      file("10.0.0.0/24, 10.0.2.0/24", "ip saddr @allowed accept"),
      file("10.0.0.0/24, 10.0.4.0/24", "ip saddr @allowed accept"),
    );
    expect(delta).toMatchObject({ sets: ["allowed"], chains: [], removed: [] });
    expect(delta.text).toContain("flush set inet secgroups allowed\n");
    expect(delta.text).not.toContain("chain");
  });
});

describe("deltaLine", () => {
  it("is the batch on one line: statements end in `;`, blocks open inline, comments go", () => {
    const delta = deltaOf(
      file("10.0.0.0/24", 'tcp dport 22 accept comment "a; b"'),
      file("10.0.1.0/24", 'tcp dport 23 accept comment "a; b"'),
    );
    expect(deltaLine(delta.text)).toBe(
      "flush chain inet secgroups input; flush set inet secgroups allowed; table inet secgroups { " +
        "set allowed { type ipv4_addr; flags interval; elements = { 10.0.1.0/24 }; }; " +
        'chain input { type filter hook input priority filter; policy drop; tcp dport 23 accept comment "a; b"; }; };',
    );
  });
});

describe("includeLine", () => {
  it("includes a kept batch by its absolute path", () => {
    expect(includeLine("/var/lib/secgroups-agent/secgroups-delta.nft")).toBe('include "/var/lib/secgroups-agent/secgroups-delta.nft"');
  });

  it("gives none for a path nft would read as a pattern, cannot quote, or resolve against its include path", () => {
    for (const path of ["/tmp/a*/d.nft", "/tmp/a?/d.nft", "/tmp/[ab]/d.nft", '/tmp/a"b/d.nft', "/tmp/a b/d.nft", "state/d.nft"])
      expect({ path, line: includeLine(path) }).toEqual({ path, line: undefined });
  });
});
