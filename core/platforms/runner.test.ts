import { runCommand, toolHostRunner } from "./runner";

describe("toolHostRunner", () => {
  it("runs tools from its helper as runCommand does: input, output, exit code, process id", async () => {
    const run = toolHostRunner();
    const pids: number[] = [];
    const echoed = await run("cat", [], "x".repeat(300_000), { onSpawn: (pid) => pids.push(pid) });
    expect(echoed).toEqual({ code: 0, stdout: "x".repeat(300_000), stderr: "" });
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(process.pid);
    const failing = ["sh", ["-c", "echo out; echo err >&2; exit 3"]] as const;
    expect(await run(failing[0], [...failing[1]])).toEqual(await runCommand(failing[0], [...failing[1]]));
    expect(await run("secgroups-no-such-tool", [])).toEqual({
      code: 127,
      stdout: "",
      stderr: expect.stringMatching(/^secgroups-no-such-tool: spawn secgroups-no-such-tool ENOENT/),
    });
  });

  it("runs tools side by side", async () => {
    const run = toolHostRunner();
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map((n) => run("sh", ["-c", `sleep 0.3; echo ${n}`])));
    expect(results.map((r) => r.stdout)).toEqual(["1\n", "2\n", "3\n"]);
    expect(Date.now() - started).toBeLessThan(850);
  });
});

describe("completeAfterLines", () => {
  it.each([
    ["runCommand", () => runCommand],
    ["toolHostRunner", () => toolHostRunner()],
  ])("%s answers once stdout holds that many lines, without waiting for the tool's exit", async (_, runner) => {
    const run = runner();
    let pid = 0;
    // The tool prints its answer, then lingers as nft's exit may after a commit.
    const r = await run("sh", ["-c", "echo one; printf 'two\\nthree'; echo; exec sleep 30"], "", {
      onSpawn: (p) => (pid = p),
      completeAfterLines: 3,
    });
    try {
      expect(r).toEqual({ code: 0, stdout: "one\ntwo\nthree\n", stderr: "" });
      expect(() => process.kill(pid, 0)).not.toThrow();
    } finally {
      process.kill(pid, "SIGKILL");
    }
  });

  it("still ends with the tool when it prints fewer lines", async () => {
    expect(await runCommand("sh", ["-c", "echo only; exit 4"], "", { completeAfterLines: 2 })).toEqual({
      code: 4,
      stdout: "only\n",
      stderr: "",
    });
  });
});
