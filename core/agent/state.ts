/**
 * What the agent last put in force, persisted in --state-dir so a restarted
 * agent re-applies it before (or without) reaching the control plane.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { ControlPlaneAddress } from "../platforms/platform";

export interface AppliedState {
  site_id: string;
  revision: number;
  digest: string;
  managed: boolean;
  platform: string;
  config: string;
  /** ETag of the poll that delivered this config. */
  etag?: string;
  /** Control-plane addresses as last resolved, used when DNS is unavailable. */
  control_plane: ControlPlaneAddress[];
}

const FILE = "applied.json";

export async function loadState(dir: string): Promise<AppliedState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, FILE), "utf8")) as AppliedState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${join(dir, FILE)}: ${(err as Error).message}`);
  }
}

/**
 * A crash (or power loss) leaves the old state or the new one, never half of
 * one: the new state goes to a temporary file that is flushed to disk before
 * it is renamed over the old one, and the directory is flushed after the
 * rename so that the rename itself survives.
 */
export async function saveState(dir: string, state: AppliedState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, FILE);
  const file = await open(`${path}.tmp`, "w");
  try {
    await file.writeFile(JSON.stringify(state));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(`${path}.tmp`, path);
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
