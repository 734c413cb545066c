/**
 * The IPv6 CIDR hot path uses no BigInt (issue #14: allocation-free, no BigInt
 * per address): behaviour with globalThis.BigInt trapped, and the sources of
 * the modules on that path (parse, collapse, validation, normalization, the
 * nftables renderer) hold neither a BigInt call nor a bigint literal or type.
 * Bytes per CIDR are measured by bench/cidr6-alloc.bench.ts, not here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { compilePolicy } from "../platforms";
import { normalizePolicy } from "../policy";
import { collapseAddressTexts } from "./address";
import { CIDR6_ROW, readCidr6Rows } from "./cidr6";
import { collapseCidr6Texts, collapseCidr6TextsPacked } from "./cidr6-ranges";

/** Runs fn with globalThis.BigInt replaced by a function that records and throws. */
function withoutBigInt<T>(fn: () => T): { value: T; calls: number } {
  const real = globalThis.BigInt;
  let calls = 0;
  (globalThis as { BigInt: unknown }).BigInt = () => {
    calls++;
    throw new Error("BigInt called on the IPv6 hot path");
  };
  try {
    return { value: fn(), calls };
  } finally {
    globalThis.BigInt = real;
  }
}

const TEXTS = ["2001:db8::/33", "2001:db8:8000::/33", "2001:db8::1/128", "2001:DB8:1::/48", "fd00::/8", "fe80::/10"];

test("the trap is real: BigInt called under it throws", () => {
  expect(() => withoutBigInt(() => BigInt(1))).toThrow("BigInt called on the IPv6 hot path");
  expect(typeof BigInt(1)).toBe("bigint");
});

test("parse and collapse of IPv6 texts work with BigInt unavailable", () => {
  const rows = new Uint32Array(TEXTS.length * CIDR6_ROW);
  const canonical = new Uint8Array(TEXTS.length);
  const parsed = withoutBigInt(() => readCidr6Rows(TEXTS, rows, canonical));
  expect(parsed.calls).toBe(0);
  expect([...rows.subarray(3 * CIDR6_ROW, 4 * CIDR6_ROW)]).toEqual([0x20010db8, 0x00010000, 0, 0, 48]);
  expect([...canonical]).toEqual([1, 1, 1, 0, 1, 1]);

  const packed = withoutBigInt(() => collapseCidr6TextsPacked(TEXTS));
  expect(packed.calls).toBe(0);
  // The two /33 halves merge into 2001:db8::/32 and swallow the /128 and the /48.
  expect(packed.value.cidrs).toEqual(["2001:db8::/32", "fd00::/8", "fe80::/10"]);
  expect([...packed.value.words.subarray(0, 8)]).toEqual([0x20010db8, 0, 0, 0, 0x20010db8, 0xffffffff, 0xffffffff, 0xffffffff]);

  const objects = withoutBigInt(() => collapseCidr6Texts(TEXTS));
  expect(objects.value.ranges[1]).toEqual({ first: [0xfd000000, 0, 0, 0], last: [0xfdffffff, 0xffffffff, 0xffffffff, 0xffffffff] });
  const both = withoutBigInt(() => collapseAddressTexts([...TEXTS, "10.0.0.0/9", "10.128.0.0/9"]));
  expect(both.calls).toBe(0);
  expect(both.value.v4.cidrs).toEqual(["10.0.0.0/8"]);
  expect(both.value.v6.cidrs).toEqual(packed.value.cidrs);
});

test("normalizing and rendering a dual-stack policy to nftables work with BigInt unavailable", () => {
  const doc = {
    prefix_lists: [
      {
        id: "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw",
        name: "sites",
        prefixes: [...TEXTS, "203.0.113.0/25", "203.0.113.128/25"].map((cidr) => ({ cidr })),
      },
    ],
    security_groups: [
      {
        id: "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw",
        name: "web",
        rules: [
          { direction: "inbound", order: 1, protocol: 6, port: "443", address: "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw", description: "d" },
          { direction: "inbound", order: 2, protocol: 58, port: "", address: "2001:db8:ff::/48", description: "d" },
          { direction: "outbound", order: 3, protocol: 0, port: "", address: "::/0", description: "d" },
        ],
      },
    ],
  } as unknown as Parameters<typeof normalizePolicy>[0];
  const normalized = withoutBigInt(() => normalizePolicy(doc));
  expect(normalized.calls).toBe(0);
  expect(normalized.value.prefixLists[0].cidrs6).toEqual(["2001:db8::/32", "fd00::/8", "fe80::/10"]);
  const rendered = withoutBigInt(() => compilePolicy(doc, "nftables"));
  expect(rendered.calls).toBe(0);
  expect(rendered.value).toContain("2001:db8::/32, fd00::/8, fe80::/10");
  expect(rendered.value).toContain("2001:db8:ff::/48");
});

/** The modules whose code runs per CIDR when a policy compiles (the IPv4 ones share the path). */
const HOT_PATH = [
  "core/model/cidr.ts",
  "core/model/cidr6.ts",
  "core/model/cidr6-ranges.ts",
  "core/model/address.ts",
  "core/model/validate.ts",
  "core/policy/normalize.ts",
  "core/platforms/nftables/render.ts",
];

test("the hot-path sources hold no BigInt call, bigint literal or bigint type", () => {
  const repo = join(__dirname, "../..");
  for (const file of HOT_PATH) {
    const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, readFileSync(join(repo, file), "utf8"));
    const found: string[] = [];
    for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
      if (token === ts.SyntaxKind.BigIntLiteral || token === ts.SyntaxKind.BigIntKeyword) found.push(scanner.getTokenText());
      if (token === ts.SyntaxKind.Identifier && /^bigint$/i.test(scanner.getTokenText())) found.push(scanner.getTokenText());
    }
    expect({ file, found }).toEqual({ file, found: [] });
  }
});
