import { UsageError } from "./command";
import { formatDuration, parseDuration } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["90s", 90_000],
    ["2m", 120_000],
    ["1.5m", 90_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["30", 30_000],
    [" 10s ", 10_000],
    ["10 s", 10_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text, "--x")).toBe(ms);
  });

  it.each(["1w", "", "s", "-5s", "1e3s", "0x10s", "1,5s", "5 minutes", "Infinity", "NaN", "1.s", ".5s", "٣s"])(
    "refuses %j with the flag, the value and the accepted forms",
    (text) => {
      expect(() => parseDuration(text, "--sync-timeout")).toThrow(UsageError);
      expect(() => parseDuration(text, "--sync-timeout")).toThrow(
        `--sync-timeout must be a duration, a number and a unit: 500ms, 30s, 2m, 1h, 7d (a bare number is seconds); got ${JSON.stringify(text)}`,
      );
    },
  );

  it("refuses zero unless the flag allows it, and values outside the flag's range", () => {
    expect(() => parseDuration("0s", "--heartbeat")).toThrow(/--heartbeat must be greater than zero; got "0s"/);
    expect(parseDuration("0", "--jwt-clock-skew", { minMs: 0 })).toBe(0);
    expect(() => parseDuration("61s", "--poll-wait", { minMs: 0, maxMs: 60_000 })).toThrow(/--poll-wait must be at most 1m; got "61s"/);
    expect(() => parseDuration("500ms", "--ttl", { minMs: 1000 })).toThrow(/--ttl must be at least 1s/);
    expect(() => parseDuration("1500ms", "--ttl", { wholeSeconds: true })).toThrow(/--ttl must be whole seconds; got "1500ms"/);
    expect(parseDuration("2m", "--ttl", { wholeSeconds: true })).toBe(120_000);
    expect(() => parseDuration("99999999999999999d", "--ttl")).toThrow(/--ttl is too long/);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1500, "1500ms"],
    [90_000, "90s"],
    [120_000, "2m"],
    [3_600_000, "1h"],
    [86_400_000 * 24, "24d"],
  ])("%d ms is %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});
