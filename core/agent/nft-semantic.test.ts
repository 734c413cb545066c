import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, controlPlaneElements } from "../compile";
import { diffSemantic, semanticFromJson, semanticFromText } from "./nft-semantic";

const testdata = (name: string) => readFileSync(join(__dirname, "testdata", name), "utf8");
// policy.nft.json is real `nft -j list table inet secgroups` output (nft 1.0.6) after loading this text.
const loadedText =
  compilePolicy(JSON.parse(testdata("policy.json")), "nftables") + controlPlaneElements([{ address: "10.77.0.1", port: 8787 }]);
const readBack = testdata("policy.nft.json");

describe("nft semantic form", () => {
  it("finds what nft lists equal to what was loaded, despite different printing", () => {
    const want = semanticFromText(loadedText);
    expect(diffSemantic(want, semanticFromJson(readBack))).toEqual([]);
    // The adjacent /25s merge into one range; /32 prints without its prefix.
    expect(Object.values(want.sets).find((s) => s.ranges)?.ranges).toHaveLength(2);
    expect(want.sets.control_plane.pairs).toEqual(["10.77.0.1 . 8787"]);
  });

  it("reports a missing table, a flushed chain, a removed set element and a hand-added rule", () => {
    const want = semanticFromText(loadedText);
    expect(semanticFromJson('{"nftables":[{"metainfo":{}}]}')).toBeUndefined();
    expect(diffSemantic(want, undefined)).toEqual(["the table is missing"]);

    const json = JSON.parse(readBack);
    const flushed = { nftables: json.nftables.filter((o: { rule?: { chain: string } }) => o.rule?.chain !== "input") };
    expect(diffSemantic(want, semanticFromJson(JSON.stringify(flushed)))).toEqual([
      expect.stringMatching(/^chain input rule 1: \(missing\)/),
    ]);

    const shrunk = structuredClone(json);
    const list = shrunk.nftables.find((o: { set?: { name: string } }) => o.set?.name.startsWith("prfx_lst_"));
    list.set.elem = list.set.elem.slice(1);
    expect(diffSemantic(want, semanticFromJson(JSON.stringify(shrunk)))).toEqual([
      expect.stringMatching(/^set prfx_lst_\w+ holds 1 elements, expected 2/),
    ]);

    const added = structuredClone(json);
    added.nftables.push({ rule: { family: "inet", table: "secgroups", chain: "output", handle: 99, expr: [{ accept: null }] } });
    expect(diffSemantic(want, semanticFromJson(JSON.stringify(added)))).toEqual([
      expect.stringMatching(/^chain output rule 7: accept; expected \(none\)/),
    ]);
  });

  it("treats interval elements written as ranges and prefixes alike", () => {
    const text = [
      "table inet secgroups {",
      "\tset s {",
      "\t\ttype ipv4_addr",
      "\t\tflags interval",
      "\t\telements = { 10.0.0.0/25, 10.0.0.128/25, 192.0.2.7/32 }",
      "\t}",
      "}",
    ].join("\n");
    const json = {
      nftables: [
        { table: { family: "inet", name: "secgroups" } },
        {
          set: {
            family: "inet",
            table: "secgroups",
            name: "s",
            type: "ipv4_addr",
            elem: [{ range: ["10.0.0.0", "10.0.0.255"] }, "192.0.2.7"],
          },
        },
      ],
    };
    expect(diffSemantic(semanticFromText(text), semanticFromJson(JSON.stringify(json)))).toEqual([]);
  });

  it("refuses text it cannot read rather than guessing", () => {
    expect(() => semanticFromText("table inet secgroups {\n\tchain input {\n\t\tfib daddr type local accept\n\t}\n}")).toThrow(
      /unsupported rule syntax "fib"/,
    );
  });
});
