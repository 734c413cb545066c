import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nftFileObjects } from "./delta";
import { parseNftJson } from "./read";
import {
  chainLines,
  compareReadBack,
  listCommands,
  listedAsDeclared,
  listedSetText,
  shareOut,
  splitListings,
  WantedObjects,
  type ReadBackListing,
  type ReadBackScope,
} from "./readback";

const testdata = (name: string) => readFileSync(join(__dirname, "..", "testdata", name), "utf8");
// readback.nft loaded with nft 1.0.6, then listed: `list set` for each set and `list chains` on
// `nft -j -i` (readback.list.jsonl), and the terse `list ruleset inet` (readback.terse.json).
const file = testdata("readback.nft");
const listed = testdata("readback.list.jsonl");
const terse = testdata("readback.terse.json");
const objects = nftFileObjects(file);
const SETS = ["control_plane", "v4", "v6", "empty"];
const whole: ReadBackScope = { sets: SETS, chains: ["input"], whole: true };

function listing(edit: (line: string) => string = (l) => l, structure = terse): ReadBackListing {
  const split = splitListings(listed);
  return { structure, sets: new Map([...split.sets].map(([n, l]) => [n, edit(l)])), chains: chainLines(structure), errors: "" };
}

describe("nftables read-back", () => {
  it("renders the file's interval sets the way nft 1.0.6 lists them: prefixes, single addresses, ranges, no elements", () => {
    const split = splitListings(listed);
    expect([...split.sets.keys()]).toEqual(SETS);
    for (const name of ["v4", "v6", "empty"])
      expect(listedAsDeclared(split.sets.get(name)!, listedSetText(objects.objects.get(`set ${name}`)!)!)).toBe(true);
    // A set of address-port pairs is not rendered: it is always parsed.
    expect(listedSetText(objects.objects.get("set control_plane")!)).toBeUndefined();
    expect(split.chains).toContain('"name": "input"');
  });

  it("finds the listing equal to the file, and the sets taken as listed equal to what the parsers read", () => {
    expect(compareReadBack(new WantedObjects(objects), whole, listing())).toEqual([]);
    // Both ways of reading agree where the fast one applies.
    const wanted = new WantedObjects(objects);
    for (const name of ["v4", "v6"])
      expect(parseNftJson(splitListings(listed).sets.get(name)!).sets.get(`inet secgroups ${name}`)).toEqual(wanted.wantSet(name));
  });

  it("does not take a set with another element as listed, and the comparison finds the difference", () => {
    const changed = listing((l) => l.replace('"11.0.0.3"', '"11.0.0.4"'));
    const line = changed.sets.get("v4")!;
    expect(listedAsDeclared(line, listedSetText(objects.objects.get("set v4")!)!)).toBe(false);
    expect(compareReadBack(new WantedObjects(objects), whole, changed)).toEqual(["set v4 holds 4 elements, expected 5 (contents differ)"]);
  });

  it("takes a set in another form than the file's by its meaning: adjacent elements are one range", () => {
    // 11.0.0.3 and 11.0.0.4-11.0.0.9 would list apart; the model merges them as the file's do not.
    const split = listing((l) => l.replace('{"range": ["11.0.0.5", "11.0.0.9"]}', '"11.0.0.5", {"range": ["11.0.0.6", "11.0.0.9"]}'));
    expect(compareReadBack(new WantedObjects(objects), whole, split)).toEqual([]);
  });

  it("does not take a listing with anything beside the set (or a handle that is no number) as declared", () => {
    const expected = listedSetText(objects.objects.get("set v4")!)!;
    const line = splitListings(listed).sets.get("v4")!;
    expect(listedAsDeclared(line.replace('"handle": 3', '"handle": "3"'), expected)).toBe(false);
    expect(listedAsDeclared(line.replace('{"set": {', '{"table": {"family": "inet", "name": "x"}}, {"set": {'), expected)).toBe(false);
    expect(listedAsDeclared(line.replace('"flags": ["interval"]', '"flags": ["interval", "timeout"]'), expected)).toBe(false);
  });

  it("reports sets and chains the table has and the file does not, and what the table lacks", () => {
    const items = JSON.parse(terse).nftables;
    const extra = [
      ...items.filter((i: { set?: { name: string } }) => i.set?.name !== "empty"),
      { set: { family: "inet", name: "extra", table: "secgroups", type: "ipv4_addr", handle: 9, flags: ["interval"] } },
      { chain: { family: "inet", table: "secgroups", name: "mine", handle: 10 } },
    ];
    const structure = JSON.stringify({ nftables: extra });
    const got = listing((l) => l, structure);
    got.sets.delete("empty");
    expect(compareReadBack(new WantedObjects(objects), whole, got)).toEqual([
      "set empty is missing",
      "unexpected set extra",
      "unexpected chain mine",
    ]);
    const noTable = JSON.stringify({ nftables: items.filter((i: { table?: unknown }) => !i.table) });
    expect(
      compareReadBack(
        new WantedObjects(objects),
        whole,
        listing((l) => l, noTable),
      ),
    ).toEqual(["the table is missing"]);
  });

  it("compares only what a delta names, and says when nft could not list a set the table has", () => {
    const scope: ReadBackScope = { sets: ["v6"], chains: [], whole: false };
    const got: ReadBackListing = {
      sets: new Map(),
      chains: "",
      errors: "Error: Could not receive sets from kernel: Bad file descriptor\n",
    };
    expect(compareReadBack(new WantedObjects(objects), scope, got)).toEqual([
      "set v6 could not be listed: Error: Could not receive sets from kernel: Bad file descriptor",
      "set v6 is missing",
    ]);
    got.errors = "Error: No such file or directory\n";
    expect(compareReadBack(new WantedObjects(objects), scope, got)).toEqual(["set v6 is missing"]);
  });

  it("lists maps as maps, chains when asked, and shares big listings out by size", () => {
    expect(listCommands(objects, ["v4", "v6"], true)).toBe("list set inet secgroups v4\nlist set inet secgroups v6\nlist chains inet\n");
    const big = (name: string, n: number) =>
      `\tset ${name} {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { ${Array.from({ length: n }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(", ")} }\n\t}\n`;
    const many = nftFileObjects(
      `table inet secgroups {\n${big("a", 12000)}${big("b", 3000)}${big("c", 9000)}\tmap m {\n\t\ttype ipv4_addr : verdict\n\t}\n}\n`,
    );
    expect(shareOut(many, ["a", "b", "c"])).toEqual([["a"], ["b", "c"]]);
    expect(shareOut(objects, SETS)).toEqual([SETS]);
    expect(listCommands(many, ["m"], false)).toBe("list map inet secgroups m\n");
  });
});
