/**
 * One owner per directory: `serve` holds its PGlite `--data` directory and an
 * agent its `--state-dir` for the life of the process, so a second process on
 * the same directory refuses to start instead of silently writing beside the
 * first (two PGlite instances on one directory each see only their own
 * writes, and the later checkpoint wins: acknowledged writes are lost).
 *
 * Why a helper process: the lock must be one the kernel drops when its holder
 * dies, however it dies (SIGKILL, OOM), so that a crash never leaves a stale
 * lock; a pid file or an `O_EXCL` marker stays behind. Node has no flock(2)
 * in core and we add no native module, so a tiny `/bin/sh` child opens
 * `DIR/.secgroups.lock`, takes flock(2) on it with util-linux `flock -n`
 * (non-blocking) and then just reads its stdin, a pipe from us. When this
 * process dies by any means the kernel closes that pipe, the helper reads
 * EOF and exits, and with it goes the lock. The helper ignores SIGINT, SIGTERM
 * and SIGHUP and runs in its own session, so Ctrl-C in a terminal or a
 * signal to our process group does not drop the lock while we shut down.
 *
 * The holder writes its pid into the lock file once it has the lock (the
 * file is opened for append, so a refused process changes nothing). A
 * refused process reads it: a live pid is refused at once, naming it; a pid
 * that is not running (or none yet) is a holder dying or starting, so we
 * retry for a few seconds: a restart right after a SIGKILL waits for the
 * helper to notice, instead of failing.
 *
 * Never delete the lock file while a process runs: a new file is a new lock.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const LOCK_FILE = ".secgroups.lock";

/** Exit codes of the helper script. */
const HELD = 75;
const NO_FLOCK = 127;

// $1 is the lock file. No children: the shell itself holds fd 9 and waits for EOF.
const HOLD_SCRIPT = [
  `command -v flock >/dev/null 2>&1 || { echo "flock(1) from util-linux is not installed" >&2; exit ${NO_FLOCK}; }`,
  `exec 9>>"$1" || exit 73`,
  `flock -n 9 || exit ${HELD}`,
  `trap '' INT TERM HUP`,
  `echo locked`,
  `while read -r _; do :; done`,
].join("\n");

export class DirectoryLockedError extends Error {
  constructor(
    readonly dir: string,
    /** The holder's pid, when it could be read. */
    readonly holderPid: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface LockOptions {
  /** What the directory is, for messages: "the data directory", "the agent state directory". */
  what?: string;
  /** The flag that names it, for the hint in the refusal: "--data", "--state-dir". */
  flag?: string;
  /** How long to wait for a holder that is dying or starting (pid not running or not written yet). */
  settleMs?: number;
  /** Called if the lock is lost while held (the helper was killed) and cannot be taken back. */
  onLost?: (err: Error) => void;
}

export interface DirectoryLock {
  readonly dir: string;
  readonly path: string;
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
}

/** Takes the directory (creating it if needed) or throws DirectoryLockedError naming the holder's pid. */
export async function lockDirectory(dir: string, options: LockOptions = {}): Promise<DirectoryLock> {
  const absolute = resolve(dir);
  mkdirSync(absolute, { recursive: true });
  const path = join(absolute, LOCK_FILE);
  const what = options.what ?? "the directory";
  const settleMs = options.settleMs ?? 5000;
  let helper = await acquire(absolute, path, what, options.flag, settleMs);
  let releasing = false;

  const watch = (child: ChildProcess) => {
    child.once("exit", () => {
      if (releasing || child !== helper) return;
      // Someone killed the helper: take the lock back before anyone else does, or give up.
      acquire(absolute, path, what, options.flag, Math.min(settleMs, 1000)).then(
        (next) => {
          if (releasing) void stop(next);
          else watch((helper = next));
        },
        (err: Error) => options.onLost?.(new Error(`lost the lock on ${what} ${absolute} (its helper process was killed): ${err.message}`)),
      );
    });
  };
  watch(helper);

  return {
    dir: absolute,
    path,
    async release() {
      if (releasing) return;
      releasing = true;
      await stop(helper);
    },
  };
}

async function acquire(dir: string, path: string, what: string, flag: string | undefined, settleMs: number): Promise<ChildProcess> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const attempt = await tryLock(path);
    if (attempt.child) {
      // Same inode, so truncating keeps the lock; a refused process reads this.
      writeFileSync(path, `${process.pid}\n`);
      return attempt.child;
    }
    if (attempt.error) throw new Error(`cannot lock ${what} ${dir}: ${attempt.error}`);
    const pid = holderPid(path);
    if ((pid !== undefined && isRunning(pid)) || Date.now() >= deadline) {
      const holder = pid === undefined ? "another process" : `another secgroups process (pid ${pid})`;
      const alternative = flag ? `, or give this one another ${flag} directory` : "";
      throw new DirectoryLockedError(
        dir,
        pid,
        `${what} ${dir} is in use by ${holder}: two processes on one directory would lose each other's writes. Stop ${pid === undefined ? "it" : `pid ${pid}`} first${alternative}.`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tryLock(path: string): Promise<{ child?: ChildProcess; error?: string }> {
  return new Promise((done) => {
    const child = spawn("/bin/sh", ["-c", HOLD_SCRIPT, "secgroups-lock", path], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    let settled = false;
    const settle = (result: { child?: ChildProcess; error?: string }) => {
      if (settled) return;
      settled = true;
      done(result);
    };
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdout!.on("data", (b: Buffer) => {
      if (!b.toString().includes("locked")) return;
      // Held: nothing of the helper may keep this process alive.
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
      settle({ child });
    });
    child.once("error", (err) => settle({ error: err.message }));
    child.once("exit", (code) => {
      if (code === HELD) settle({});
      else settle({ error: stderr.trim() || `the lock helper exited with ${code}` });
    });
  });
}

function holderPid(path: string): number | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return /^[1-9][0-9]*$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** EOF on its stdin ends the helper; SIGKILL if it does not go. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Keep the process alive until the lock is really gone, so that whatever runs next can take it.
    child.ref();
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin!.end();
  });
}
