import { Type } from "@sinclair/typebox";
import { Checker, pathText } from "./check";
import { Echoed, hinted, Nullable, StringEnum, Text } from "./kit";
import { PrefixListWrite } from "./prefix-list";
import { SecurityGroupWrite } from "./security-group";

const Shape = Type.Object(
  {
    name: Text({ min: 2, max: 4 }),
    kind: StringEnum(["a", "b"] as const),
    count: Type.Integer({ minimum: 1, maximum: 9 }),
    note: Type.Optional(Nullable(Text({ max: 3 }), { default: null })),
    tags: Type.Optional(
      Type.Array(hinted(Type.String({ pattern: "^t[0-9]$" }), { expected: "a tag like t1", noun: "tag" }), {
        maxItems: 3,
        uniqueItems: true,
        default: [],
      }),
    ),
    flag: Type.Optional(Type.Boolean({ default: false })),
    'we"ird': Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    id: Echoed("an id"),
  },
  { additionalProperties: false },
);
const base = { name: "abc", kind: "a", count: 3 };

function issues(value: unknown, options = {}) {
  const c = new Checker(options);
  const out = c.check(Shape, value);
  return { out, issues: c.issues.map((i) => [i.path, i.code, i.message]) };
}

describe("Checker (structure read off a declaration)", () => {
  it("fills defaults, drops echoed fields, keeps declared ones", () => {
    expect(issues({ ...base, id: "x" })).toEqual({
      out: { name: "abc", kind: "a", count: 3, note: null, tags: [], flag: false },
      issues: [],
    });
  });

  it("gives each call its own copy of an array default", () => {
    const first = new Checker().check(Shape, base)!;
    first.tags!.push("t1");
    expect(new Checker().check(Shape, base)!.tags).toEqual([]);
  });

  it("words each failure with the path and what to send", () => {
    expect(
      issues({ name: "a", kind: "c", count: 10, note: 5, tags: ["x", "t1", "t1"], flag: "yes", 'we"ird': 1.5, extra: 1 }).issues,
    ).toEqual([
      ["extra", "parameter_unknown", 'extra: is not a known field; known fields are name, kind, count, note, tags, flag, we"ird'],
      ["name", "value_too_short", "name: must be at least 2 characters, got 1"],
      ["kind", "parameter_invalid", 'kind: must be one of "a", "b", got "c"'],
      ["count", "value_out_of_range", "count: must be from 1 to 9, got 10"],
      ["note", "parameter_invalid", "note: must be a string, got number 5"],
      ["tags[0]", "parameter_invalid", 'tags[0]: must be a tag like t1, got "x"'],
      ["tags[2]", "duplicate_value", "tags[2]: tag t1 is listed twice"],
      ["flag", "parameter_invalid", 'flag: must be true or false, got "yes"'],
      ['we"ird', "parameter_invalid", 'we"ird: must be an integer from 0 to 1, got number 1.5'],
    ]);
    expect(issues({}).issues.map(([path, code]) => [path, code])).toEqual([
      ["name", "parameter_missing"],
      ["kind", "parameter_missing"],
      ["count", "parameter_missing"],
    ]);
    expect(issues([]).issues).toEqual([["", "parameter_invalid", "body: must be an object, got an array"]]);
    expect(issues({ ...base, tags: ["t1", "t2", "t3", "t4"] }).issues).toEqual([
      ["tags", "too_many_items", "tags: has 4 items; at most 3 are allowed"],
    ]);
  });

  it("counts characters by code point and refuses NUL and lone surrogates in text", () => {
    expect(issues({ ...base, name: "😀😀😀😀" }).issues).toEqual([]);
    expect(issues({ ...base, name: "😀😀😀😀😀" }).issues[0][1]).toBe("value_too_long");
    expect(issues({ ...base, name: "a\u0000b" }).issues[0][2]).toBe("name: must be valid Unicode text without NUL characters");
    expect(issues({ ...base, name: "a\ud800" }).issues[0][1]).toBe("parameter_invalid");
  });

  it("reads own fields only: __proto__, constructor and inherited properties are not fields", () => {
    expect(issues(JSON.parse('{"name":"abc","kind":"a","count":3,"__proto__":{"x":1},"constructor":1}')).issues.map((i) => i[0])).toEqual([
      "__proto__",
      "constructor",
    ]);
    const inherited = Object.create({ name: "abc" }) as Record<string, unknown>;
    Object.assign(inherited, { kind: "a", count: 3 });
    expect(issues(inherited).issues.map((i) => i[1])).toEqual(["parameter_missing"]);
  });

  it("ignores unknown fields when asked (policy documents)", () => {
    expect(issues({ ...base, extra: 1 }, { ignoreUnknownFields: true }).issues).toEqual([]);
  });

  it("refuses declarations that say more than it checks", () => {
    const c = new Checker();
    expect(() => c.check(Type.String({ format: "date-time" }), "x")).toThrow(/format/);
    expect(() => c.check(Type.Union([Type.String(), Type.Integer({ minimum: 0, maximum: 1 })]), "x")).toThrow(/T \| null/);
    expect(() => c.check(Type.Integer(), 1)).toThrow(/minimum and maximum/);
    expect(() => c.check(Type.Array(Type.String(), { minItems: 1 }), [])).toThrow(/minItems/);
  });

  it("builds paths only as text when asked", () => {
    expect(pathText({ parent: { parent: "", key: "rules" }, key: 2 })).toBe("rules[2]");
    expect(pathText({ parent: { parent: { parent: "", key: "rules" }, key: 2 }, key: "port" })).toBe("rules[2].port");
  });

  it("reads the resource declarations without refusing them", () => {
    expect(new Checker().check(SecurityGroupWrite, { name: "web", rules: [], sites: [] })).toEqual({
      name: "web",
      description: null,
      rules: [],
      sites: [],
    });
    expect(new Checker().check(PrefixListWrite, { name: "p", prefixes: [] })).toEqual({
      name: "p",
      description: null,
      prefixes: [],
      sites: [],
    });
  });
});
