import fc from "fast-check";
import { coversAllPorts, formatPorts, mergePortRanges, parsePorts } from "./ports";

describe("parsePorts", () => {
  it.each([
    ["80", "80"],
    ["1", "1"],
    ["65535", "65535"],
    ["1-65535", "1-65535"],
    ["80, 443", "80,443"],
    [" 443 ,80 ", "80,443"],
    ["1024 - 2048", "1024-2048"],
    ["\t22\n", "22"],
    ["80,80", "80"],
    ["100-200,150-250", "100-250"],
    ["100-200,120-130", "100-200"],
    ["8000-8000", "8000"],
    ["53,5353", "53,5353"],
    ["80,81", "80,81"], // adjacent items are kept apart (overlaps and duplicates merge)
  ])("%p -> %p", (text, normalized) => {
    const p = parsePorts(text);
    expect(p).toMatchObject({ ok: true, normalized });
  });

  it.each([
    ["", /not a port/],
    ["0", /out of range/],
    ["65536", /out of range/],
    ["99999", /out of range/],
    ["0-80", /out of range/],
    ["2048-1024", /reversed; did you mean "1024-2048"\?/],
    ["80,", /not a port/],
    [",80", /not a port/],
    ["80-", /not a port/],
    ["-80", /not a port/],
    ["80-90-100", /not a port/],
    ["http", /not a port/],
    ["1e3", /not a port/],
    ["123456", /not a port/],
    ["١٢٣", /not a port/],
    ["+80", /not a port/],
  ])("refuses %p", (text, message) => {
    const p = parsePorts(text);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.message).toMatch(message);
  });

  it("refuses more than 50 items", () => {
    expect(parsePorts(Array.from({ length: 50 }, (_, i) => i + 1).join(",")).ok).toBe(true);
    expect(parsePorts(Array.from({ length: 51 }, (_, i) => i + 1).join(",")).ok).toBe(false);
  });

  it("normalization is idempotent and keeps the port set", () => {
    const item = fc
      .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }))
      .map(([a, b]) => (a === b ? `${a}` : `${Math.min(a, b)} - ${Math.max(a, b)}`));
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 20 }),
        (items, probes) => {
          const p = parsePorts(items.join(" , "));
          if (!p.ok) return false;
          const again = parsePorts(p.normalized);
          if (!again.ok || again.normalized !== p.normalized) return false;
          const inRanges = (port: number) => p.ranges.some((r) => r.from <= port && port <= r.to);
          const inItems = (port: number) =>
            items.some((i) => {
              const [a, b = a] = i.split("-").map((s) => Number(s.trim()));
              return a <= port && port <= b;
            });
          return probes.every((port) => inRanges(port) === inItems(port));
        },
      ),
    );
  });
});

describe("helpers", () => {
  it("mergePortRanges and formatPorts", () => {
    expect(
      formatPorts(
        mergePortRanges([
          { from: 5, to: 10 },
          { from: 1, to: 5 },
          { from: 20, to: 20 },
        ]),
      ),
    ).toBe("1-10,20");
  });
  it("coversAllPorts", () => {
    expect(coversAllPorts([{ from: 1, to: 65535 }])).toBe(true);
    expect(coversAllPorts([{ from: 1, to: 65534 }])).toBe(false);
    expect(
      coversAllPorts([
        { from: 1, to: 100 },
        { from: 101, to: 65535 },
      ]),
    ).toBe(false);
  });
});
