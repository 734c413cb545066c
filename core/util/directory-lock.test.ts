import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryLockedError, LOCK_FILE, lockDirectory } from "./directory-lock";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "sg-lock-"));
  dirs.push(d);
  return d;
};

/** Another process holding the lock the same way (flock on the file, pid written), until killed; `queued` waits for it. */
function foreignHolder(dir: string, queued = false): Promise<ChildProcess> & { child: ChildProcess } {
  const script = `exec 9>>"$1"; flock ${queued ? "" : "-n"} 9 || exit 75; echo $$ > "$1"; echo held; while read -r _; do :; done`;
  const child = spawn("/bin/sh", ["-c", script, "holder", join(dir, LOCK_FILE)], { stdio: ["pipe", "pipe", "inherit"] });
  return Object.assign(
    new Promise<ChildProcess>((resolve, reject) => {
      child.stdout!.on("data", (b: Buffer) => b.toString().includes("held") && resolve(child));
      child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
    }),
    { child },
  );
}

describe("lockDirectory", () => {
  it("refuses a second owner with the holder's pid, changing nothing, and is free again after release", async () => {
    const dir = fresh();
    const lock = await lockDirectory(dir, { what: "the data directory", flag: "--data" });
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    const started = Date.now();
    const refused = await lockDirectory(dir, { what: "the data directory", flag: "--data" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DirectoryLockedError);
    expect((refused as DirectoryLockedError).holderPid).toBe(process.pid);
    expect((refused as Error).message).toContain(`the data directory ${dir} is in use by another secgroups process (pid ${process.pid})`);
    expect((refused as Error).message).toContain("another --data directory");
    // A live holder is refused at once, not after the settle time.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);

    await lock.release();
    await lock.release();
    const again = await lockDirectory(dir);
    await again.release();
  });

  it("is released by the kernel when the holder is SIGKILLed", async () => {
    const dir = fresh();
    const holder = await foreignHolder(dir);
    const refused = await lockDirectory(dir, { settleMs: 0 }).catch((e: DirectoryLockedError) => e);
    expect(refused).toBeInstanceOf(DirectoryLockedError);
    expect((refused as DirectoryLockedError).holderPid).toBe(holder.pid);

    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    const lock = await lockDirectory(dir, { settleMs: 0 });
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it("waits for a holder whose pid is no longer running (dying), then takes the lock", async () => {
    const dir = fresh();
    const holder = await foreignHolder(dir);
    // The pid written is one that does not run: the holder is on its way out.
    writeFileSync(join(dir, LOCK_FILE), "999999999\n");
    const taking = lockDirectory(dir, { settleMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    holder.kill("SIGKILL");
    const lock = await taking;
    await lock.release();
  });

  it("a holder that is not running and never lets go is refused after the settle time", async () => {
    const dir = fresh();
    const holder = await foreignHolder(dir);
    writeFileSync(join(dir, LOCK_FILE), "");
    const refused = await lockDirectory(dir, { settleMs: 200 }).catch((e: DirectoryLockedError) => e);
    expect(refused).toBeInstanceOf(DirectoryLockedError);
    expect((refused as Error).message).toContain("is in use by another process");
    holder.kill("SIGKILL");
  });

  it("takes the lock back when its helper is killed, and reports a loss when someone else got in first", async () => {
    const dir = fresh();
    const lost: Error[] = [];
    const lock = await lockDirectory(dir, { onLost: (e) => lost.push(e) });
    const helperPid = () =>
      Number(
        readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8")
          .trim()
          .split(/\s+/)
          .find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("secgroups-lock")),
      );
    const first = helperPid();
    process.kill(first, "SIGKILL");
    await waitUntil(() => helperPid() > 0 && helperPid() !== first);
    expect(lost).toEqual([]);
    // Another process queued on the lock gets it the moment the next helper dies: the loss is reported.
    const intruder = foreignHolder(dir, true);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(helperPid(), "SIGKILL");
    await intruder;
    await waitUntil(() => lost.length > 0);
    expect(lost[0].message).toContain(`lost the lock on the directory ${dir}`);
    expect(lost[0].message).toContain(`pid ${intruder.child.pid}`);
    intruder.child.kill("SIGKILL");
    await lock.release();
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      if (check()) return;
    } catch {
      // /proc entries come and go
    }
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
