import { assembleSnapshot, contentDigest, PolicySnapshotter, snapshotPieces } from "./policy-snapshots";

const list = (id: string, cidrs: string[]) =>
  Object.freeze({
    id,
    name: id,
    description: null,
    token: `tok-${Math.random()}`,
    prefixes: cidrs.map((cidr) => ({ cidr, description: null })),
  });

describe("PolicySnapshotter", () => {
  const doc = (lists: ReturnType<typeof list>[]) => ({
    prefix_lists: lists,
    security_groups: [{ id: "sec_grp_a", rules: [] }],
    referenced_groups: [],
  });

  it("stores the lists apart, by the digest of their content, and puts the document back together", () => {
    const a = list("prfx_lst_a", ["10.0.0.0/8"]);
    const b = list("prfx_lst_b", ["192.0.2.0/24", "198.51.100.0/24"]);
    const snap = new PolicySnapshotter().snapshot(doc([a, b]));
    expect(snap.digest).toBe(contentDigest(snap.body));
    expect(snap.pieces.map((p) => p.digest)).toEqual(snap.pieces.map((p) => contentDigest(p.body)));
    expect(snapshotPieces(snap.body)).toEqual(snap.pieces.map((p) => p.digest));
    expect(snap.body).not.toContain("10.0.0.0/8");
    const assembled = assembleSnapshot(snap.body, new Map(snap.pieces.map((p) => [p.digest, p.body])));
    // The document as the deployer compiled it, less the cache's random tokens.
    const strip = ({ token: _, ...l }: ReturnType<typeof list>) => l;
    expect(JSON.parse(assembled)).toEqual({ ...doc([]), prefix_lists: [strip(a), strip(b)] });
    expect(Object.keys(JSON.parse(assembled))).toEqual(["prefix_lists", "security_groups", "referenced_groups"]);
  });

  it("gives equal content the same piece whatever its token, and a changed list a new one", () => {
    const s = new PolicySnapshotter();
    const one = s.snapshot(doc([list("prfx_lst_a", ["10.0.0.0/8"]), list("prfx_lst_b", ["10.1.0.0/16"])]));
    const two = s.snapshot(doc([list("prfx_lst_a", ["10.0.0.0/8"]), list("prfx_lst_b", ["10.2.0.0/16"])]));
    expect(two.pieces[0].digest).toBe(one.pieces[0].digest);
    expect(two.pieces[1].digest).not.toBe(one.pieces[1].digest);
    expect(two.digest).not.toBe(one.digest);
  });

  it("reads a snapshot stored before pieces (lists inline) as it is", () => {
    const inline = JSON.stringify({ prefix_lists: [{ id: "prfx_lst_a", prefixes: [] }], security_groups: [] });
    expect(snapshotPieces(inline)).toBeUndefined();
    expect(assembleSnapshot(inline, new Map())).toBe(inline);
  });

  it("says which piece is missing rather than returning a document without it", () => {
    const snap = new PolicySnapshotter().snapshot(doc([list("prfx_lst_a", ["10.0.0.0/8"])]));
    expect(() => assembleSnapshot(snap.body, new Map())).toThrow(`names prefix list piece ${snap.pieces[0].digest}, which is not stored`);
  });
});
