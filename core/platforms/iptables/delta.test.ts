import fc from "fast-check";
import { ipsetBlocks, ipsetLines, iptablesDelta } from "./delta";

/** The lines render.ts writes for one hash:net set: created, a temporary copy filled, swapped in and destroyed. */
function setLines(name: string, members: string[]): string[] {
  const next = name.replace("sg-", "sgt-");
  return [
    `create ${name} hash:net family inet -exist`,
    `create ${next} hash:net family inet -exist`,
    `flush ${next}`,
    ...members.map((m) => `add ${next} ${m}`),
    `swap ${next} ${name}`,
    `destroy ${next}`,
  ];
}

const member = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, len]) => `10.${a}.0.0/${len}`);
const sets = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.array(member, { maxLength: 6 })), { maxLength: 6 });
const textOf = (s: [number, string[]][], blank: boolean) =>
  s.map(([n, members]) => setLines(`sg-${n}`, members).join("\n")).join(blank ? "\n\n" : "\n") + (blank ? "" : "\n");

/** Random edits of a text: a line changed, added or removed, blank lines, the last newline gone. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant("replace" as const),
    at: fc.nat(),
    line: fc.constantFrom("add sgt-1 10.9.9.0/24", "add sgt-2 10.1.0.0/16", "flush sgt-3", ""),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    line: fc.constantFrom("add sgt-4 10.8.0.0/16", "create sg-9 hash:net", "", "swap sgt-9 sg-9"),
  }),
  fc.record({ kind: fc.constant("remove" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("chop" as const) }),
);

function applyEdits(text: string, edits: { kind: string; at?: number; line?: string }[]): string {
  let lines = text.split("\n");
  for (const e of edits) {
    if (e.kind === "chop") return lines.join("\n").replace(/\n$/, "");
    const at = (e.at ?? 0) % Math.max(lines.length, 1);
    if (e.kind === "replace") lines[at] = e.line!;
    else if (e.kind === "insert") lines.splice(at, 0, e.line!);
    else lines = lines.filter((_, i) => i !== at);
  }
  return lines.join("\n");
}

describe("ipsetLines", () => {
  it("groups a set's runs, its temporary copy's with it", () => {
    const text = [...setLines("sg-a", ["10.0.0.0/8"]), ...setLines("sg-b", ["10.1.0.0/16", "10.2.0.0/16"])].join("\n") + "\n";
    const blocks = ipsetBlocks(text);
    expect([...blocks.keys()]).toEqual(["sg-a", "sg-b"]);
    expect(blocks.get("sg-b")).toEqual([
      "create sg-b hash:net family inet -exist\n",
      "create sgt-b hash:net family inet -exist\nflush sgt-b\nadd sgt-b 10.1.0.0/16\nadd sgt-b 10.2.0.0/16\nswap sgt-b sg-b\ndestroy sgt-b\n",
    ]);
  });

  it("ends the last run in a newline when the text does not", () => {
    expect(ipsetBlocks("create sg-a hash:net\nadd sg-a 10.0.0.0/8")).toEqual(
      new Map([["sg-a", ["create sg-a hash:net\nadd sg-a 10.0.0.0/8\n"]]]),
    );
  });

  it("refuses a line naming no set", () => {
    expect(() => ipsetBlocks("create sg-a hash:net\nCOMMIT\n")).toThrow(/unsupported ipset line: COMMIT/);
  });

  it("read by difference from a similar text, gives what reading it whole gives", () => {
    fc.assert(
      fc.property(sets, fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 4 }), (s, blank, edits) => {
        const before = textOf(s, blank);
        const after = applyEdits(before, edits);
        const whole = ipsetLines(after);
        const derived = ipsetLines(after, ipsetLines(before));
        expect(derived.runs).toEqual(whole.runs);
        expect(derived.blocks).toEqual(whole.blocks);
      }),
      { numRuns: 2000 },
    );
  });

  it("reads again only the part that differs", () => {
    const many = Array.from({ length: 50 }, (_, i) => setLines(`sg-${i}`, [`10.${i}.0.0/16`]).join("\n")).join("\n") + "\n";
    const changed = many.replace("add sgt-20 10.20.0.0/16", "add sgt-20 10.200.0.0/16");
    const like = ipsetLines(many);
    const derived = ipsetLines(changed, like);
    // Runs 2i and 2i+1 are set i's (its own, its copy's): the change is in run 41. Runs 40-42 are read again; those
    // before are the first reading's own, those after it only moved.
    derived.runs.slice(0, 40).forEach((run, i) => expect(run).toBe(like.runs[i]));
    for (const i of [40, 41, 42]) expect(derived.runs[i]).not.toBe(like.runs[i]);
    expect(derived.runs.slice(43).map((r) => r.start)).toEqual(like.runs.slice(43).map((r) => r.start + 1));
    expect(derived.blocks).toEqual(ipsetLines(changed).blocks);
  });
});

describe("iptablesDelta", () => {
  const side = (members: string[], rule: string) => {
    const ipset = [...setLines("sg-a", ["10.0.0.0/8"]), ...setLines("sg-b", members)].join("\n") + "\n";
    const iptables = ["*filter", ":secgroups-in - [0:0]", `-A secgroups-in ${rule}`, "COMMIT"].join("\n") + "\n";
    return { parts: { ipset, iptables, jumps: [] }, blocks: ipsetBlocks(ipset) };
  };

  it("restores only the changed set, and no chain when no rule changed", () => {
    const delta = iptablesDelta(side(["10.1.0.0/16"], "-j ACCEPT"), side(["10.2.0.0/16"], "-j ACCEPT"));
    expect(delta).toMatchObject({ sets: ["sg-b"], chains: [], iptables: undefined, jumps: false });
    expect("ipset" in delta && delta.ipset).toContain("add sgt-b 10.2.0.0/16\nswap sgt-b sg-b\n");
    expect("ipset" in delta && delta.ipset).not.toContain("sg-a");
  });

  it("declares only the changed chain", () => {
    const delta = iptablesDelta(side(["10.1.0.0/16"], "-j ACCEPT"), side(["10.1.0.0/16"], "-j DROP"));
    expect(delta).toMatchObject({
      sets: [],
      chains: ["secgroups-in"],
      iptables: "*filter\n:secgroups-in - [0:0]\n-A secgroups-in -j DROP\nCOMMIT\n",
    });
  });
});
