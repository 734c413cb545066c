import { dumpedSetText, dumpSets, parseKernelDump } from "./kernel-dump";
import { NFT_TABLE_NAME } from "./names";
import type { Runner } from "../runner";

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join("");

describe("dumpedSetText: the kernel's form of a file's interval set", () => {
  test("IPv4: ends before starts, highest first, and the closing 0 end", () => {
    expect(dumpedSetText(32, ["10.0.0.1", "10.0.0.5-10.0.0.9", "192.168.0.0/16"])).toBe(
      lines("c0a90000 end", "c0a80000", "0a00000a end", "0a000005", "0a000002 end", "0a000001", "00000000 end"),
    );
  });

  test("an interval from 0 has no closing end; one up to the last address has nft's open-interval data instead of an end", () => {
    expect(dumpedSetText(32, ["0.0.0.0/8", "255.255.255.0/24"])).toBe(lines("ffffff00 attr=6:010401000000", "01000000 end", "00000000"));
    expect(dumpedSetText(32, ["0.0.0.0/0"])).toBe(lines("00000000 attr=6:010401000000"));
  });

  test("IPv6 keys are 16 bytes", () => {
    expect(dumpedSetText(128, ["::/8", "fd00::1", "ffff::/16"])).toBe(
      lines(
        "ffff0000000000000000000000000000 attr=6:010401000000",
        "fd000000000000000000000000000002 end",
        "fd000000000000000000000000000001",
        "01000000000000000000000000000000 end",
        "00000000000000000000000000000000",
      ),
    );
  });

  test("an empty set dumps nothing", () => {
    expect(dumpedSetText(32, [])).toBe("");
    expect(dumpedSetText(128, [])).toBe("");
  });

  test("elements out of order, overlapping, adjacent or unreadable have no known form", () => {
    expect(dumpedSetText(32, ["10.0.0.2", "10.0.0.1"])).toBeUndefined();
    expect(dumpedSetText(32, ["10.0.0.0/8", "10.1.0.0/16"])).toBeUndefined();
    // Adjacent: the kernel would hold them as one interval, the file says two.
    expect(dumpedSetText(32, ["10.0.0.1", "10.0.0.2"])).toBeUndefined();
    expect(dumpedSetText(32, ["255.255.255.255", "1.2.3.4"])).toBeUndefined();
    expect(dumpedSetText(32, ["10.0.0.300"])).toBeUndefined();
    expect(dumpedSetText(128, ["fd00::1-fd00::"])).toBeUndefined();
  });
});

describe("parseKernelDump", () => {
  test("one entry per set, missing ones undefined, empty ones empty", () => {
    const dump = parseKernelDump("gen 7\nset a\n0a000002 end\n0a000001\nset empty\nset gone missing\nset b\n00000000\n");
    expect([...dump]).toEqual([
      ["a", "0a000002 end\n0a000001\n"],
      ["empty", ""],
      ["gone", undefined],
      ["b", "00000000\n"],
    ]);
  });

  test("output of another form is an error", () => {
    expect(() => parseKernelDump("set a\n")).toThrow(/no generation/);
    expect(() => parseKernelDump("gen 1\nbogus\n")).toThrow(/unexpected line/);
    expect(() => parseKernelDump("gen 1\nset a")).toThrow(/middle of a line/);
  });
});

test("dumpSets runs the program with the table and the sets, and fails with its error", async () => {
  const calls: string[][] = [];
  const ok: Runner = async (command, args) => {
    calls.push([command, ...args]);
    return { code: 0, stdout: "gen 1\nset s\n", stderr: "" };
  };
  expect([...(await dumpSets(ok, "/bin/dump", NFT_TABLE_NAME, ["s"]))]).toEqual([["s", ""]]);
  expect(calls).toEqual([["/bin/dump", "inet", "secgroups", "s"]]);
  const failing: Runner = async () => ({ code: 1, stdout: "", stderr: "secgroups-nft-elements: netlink socket: permission denied\n" });
  await expect(dumpSets(failing, "/bin/dump", NFT_TABLE_NAME, ["s"])).rejects.toThrow(/exit 1.*permission denied/);
});
