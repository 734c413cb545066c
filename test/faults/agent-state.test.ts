/**
 * The agent's state file under SIGKILL (issue #20): the real `secgroups
 * agent --dry-run` (a child process) applies a new revision of a large
 * policy (~34 KB of state); the test watches its --state-dir with inotify
 * and SIGKILLs the agent the moment it starts writing the new state
 * (`applied.json.tmp` created or truncated), then checks what is on disk
 * and restarts the agent from it.
 *
 * Checked per kill: `applied.json` parses, is the previous revision or the
 * new one, and its config matches its digest (nothing torn); the restarted
 * agent starts from it (logs the revision from its state directory) and
 * converges on the new revision. FAULTS_AGENT_STATE_KILLS (default 6) kills.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, watch } from "node:fs";
import { join } from "node:path";
import { signHs256 } from "../../core/api/jwt";
import { startPostgres, type PostgresServer } from "../support/postgres";
import { Proc, eventually, startAgent, tempDir } from "../support/secgroups";
import { JWT_SECRET, ensureBuilt, figure, http, startServe, type Serve } from "./support";

jest.setTimeout(600_000);

const KILLS = Number(process.env.FAULTS_AGENT_STATE_KILLS ?? 6);
const GROUPS = "/vpc/security-groups";
const token = signHs256(
  { org: "org_state", sub: "faults", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 7200 },
  JWT_SECRET,
);

let pg: PostgresServer | undefined;
let serve: Serve | undefined;
let agent: Proc | undefined;
afterAll(async () => {
  await agent?.kill("SIGKILL");
  await serve?.proc.kill("SIGKILL");
  await pg?.stop();
}, 60_000);

/** 250 rules over four 500-prefix lists: about 34 KB of state. */
function groupBody(listIds: string[], siteId: string, variant: number) {
  return {
    name: "big state",
    rules: Array.from({ length: 250 }, (_, i) => ({
      direction: i % 2 ? "inbound" : "outbound",
      order: i + 1,
      protocol: 6,
      port: String(1000 + variant * 250 + i),
      address: i % 5 === 4 ? `10.${i}.0.0/16` : listIds[i % 4],
      description: `variant ${variant} rule ${i + 1}`,
    })),
    sites: [siteId],
  };
}

test(`${KILLS} SIGKILLs of the agent while it writes its state: the old or the new state, never torn; it restarts from it`, async () => {
  ensureBuilt();
  pg = await startPostgres();
  serve = await startServe({ databaseUrl: await pg.createDatabase("state"), syncTimeout: "1h" });
  const base = serve.base;
  const site = (await http(base, { method: "POST", path: "/vpc/sites", token, body: { name: "state-site", platform: "nftables" } })).json;
  const lists: string[] = [];
  for (let l = 0; l < 4; l++) {
    const prefixes = Array.from({ length: 500 }, (_, i) => ({ cidr: `${20 + l}.${i >> 8}.${i & 255}.0/24`, description: `p${i}` }));
    const r = await http(base, { method: "POST", path: "/vpc/prefix-lists", token, body: { name: `list ${l}`, prefixes } });
    if (r.status !== 201) throw new Error(`prefix list: ${r.status} ${r.text}`);
    lists.push(r.json.id);
  }
  const created = await http(base, { method: "POST", path: GROUPS, token, body: groupBody(lists, site.id, 0) });
  if (created.status !== 201) throw new Error(`group: ${created.status} ${created.text}`);
  const groupId = created.json.id as string;

  const stateDir = tempDir("sg-faults-state-");
  const stateFile = join(stateDir, "applied.json");
  const args = ["--endpoint", base, "--site-token", site.token, "--state-dir", stateDir, "--dry-run", "--poll-wait", "30"];
  const active = () =>
    eventually(
      "group active",
      async () => (await http(base, { path: `${GROUPS}/${groupId}`, token })).json.status === "active",
      120_000,
      50,
    );
  agent = startAgent(undefined, args);
  await active();
  const stateBytes = readFileSync(stateFile).length;

  const kills: { revisions: [number, number]; on_disk: number; tmp_left: boolean; tmp_torn: boolean; restarted_from: number }[] = [];
  for (let k = 1; k <= KILLS; k++) {
    const previous = JSON.parse(readFileSync(stateFile, "utf8")).revision as number;
    // Armed: the first sign of the new state being written kills the agent.
    const victim = agent;
    const watcher = watch(stateDir, (_event, name) => {
      if (name === "applied.json.tmp" && victim.child.exitCode === null) victim.child.kill("SIGKILL");
    });
    const put = await http(base, { method: "PUT", path: `${GROUPS}/${groupId}`, token, body: groupBody(lists, site.id, k) });
    if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
    await victim.exited;
    watcher.close();

    // What a crash at that moment leaves: parsable, one of the two revisions, config matching its digest.
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { revision: number; digest: string; config: string };
    expect([previous, previous + 1]).toContain(state.revision);
    expect(createHash("sha256").update(state.config).digest("hex")).toBe(state.digest);
    const tmp = join(stateDir, "applied.json.tmp");
    const tmpLeft = existsSync(tmp);
    let tmpTorn = false;
    if (tmpLeft) {
      try {
        JSON.parse(readFileSync(tmp, "utf8"));
      } catch {
        tmpTorn = true;
      }
    }

    // It starts from what is on disk, then takes the new revision.
    agent = startAgent(undefined, args);
    await agent.waitFor(new RegExp(`revision ${state.revision} from ${stateDir} is in force`), 60_000);
    await active();
    expect(JSON.parse(readFileSync(stateFile, "utf8")).revision).toBe(previous + 1);
    kills.push({
      revisions: [previous, previous + 1],
      on_disk: state.revision,
      tmp_left: tmpLeft,
      tmp_torn: tmpTorn,
      restarted_from: state.revision,
    });
  }
  figure("agent-state-kills", {
    kills: KILLS,
    state_bytes: stateBytes,
    killed_mid_write: kills.filter((k) => k.tmp_left).length,
    tmp_torn: kills.filter((k) => k.tmp_torn).length,
    on_disk_old: kills.filter((k) => k.on_disk === k.revisions[0]).length,
    on_disk_new: kills.filter((k) => k.on_disk === k.revisions[1]).length,
    per_kill: kills,
  });
  // The kills did land while the new state was being written, not after.
  expect(kills.filter((k) => k.tmp_left).length).toBeGreaterThan(0);
});
