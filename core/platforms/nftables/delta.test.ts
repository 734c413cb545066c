import { deltaLine, nftDelta, nftFileObjects } from "./delta";

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

describe("nftDelta", () => {
  it("flushes and declares again only the set whose elements changed", () => {
    const planned = nftDelta(
      nftFileObjects(file("10.0.0.0/24, 10.0.2.0/24", "ip saddr @allowed accept")),
      nftFileObjects(file("10.0.0.0/24, 10.0.4.0/24", "ip saddr @allowed accept")),
    );
    if (!("delta" in planned)) throw new Error(planned.unsupported);
    expect(planned.delta).toMatchObject({ sets: ["allowed"], chains: [], removed: [] });
    expect(planned.delta.text).toContain("flush set inet secgroups allowed\n");
    expect(planned.delta.text).not.toContain("chain");
  });
});

describe("deltaLine", () => {
  it("is the batch on one line: statements end in `;`, blocks open inline, comments go", () => {
    const planned = nftDelta(
      nftFileObjects(file("10.0.0.0/24", 'tcp dport 22 accept comment "a; b"')),
      nftFileObjects(file("10.0.1.0/24", 'tcp dport 23 accept comment "a; b"')),
    );
    if (!("delta" in planned)) throw new Error(planned.unsupported);
    expect(deltaLine(planned.delta.text)).toBe(
      "flush chain inet secgroups input; flush set inet secgroups allowed; table inet secgroups { " +
        "set allowed { type ipv4_addr; flags interval; elements = { 10.0.1.0/24 }; }; " +
        'chain input { type filter hook input priority filter; policy drop; tcp dport 23 accept comment "a; b"; }; };',
    );
  });
});
