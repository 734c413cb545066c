/**
 * What the agent last put in force, persisted in --state-dir so a restarted
 * agent re-applies it before (or without) reaching the control plane.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
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

/** Written to a temporary file and renamed, so a crash leaves the old or the new state, never half of one. */
export async function saveState(dir: string, state: AppliedState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, FILE);
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}
