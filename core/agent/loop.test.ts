import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "./loop";
import { Backoff } from "./backoff";
import type { AgentApi, AgentConfigBody, PollResult, Report } from "./client";
import { RejectedError } from "./client";
import type { AppliedConfig, ControlPlaneAddress, Enforcer } from "../platforms/platform";
import { createAgentLog } from "./log";
import { loadState } from "./state";

/** An enforcer that keeps "the kernel" in a variable and can be told to reject a config. */
class FakeEnforcer implements Enforcer {
  readonly platform = "nftables";
  loaded: string | undefined;
  applies = 0;
  reject?: (config: string) => string | undefined;
  /** The `previous` each apply was given, and how many checks of each kind ran. */
  previous: (AppliedConfig | undefined)[] = [];
  checks = { full: 0, quick: 0 };

  async apply(config: string, cp: ControlPlaneAddress[], previous?: AppliedConfig): Promise<void> {
    this.applies++;
    this.previous.push(previous);
    const error = this.reject?.(config);
    if (error) throw new Error(error);
    this.loaded = `${config}|${cp.map((a) => `${a.address}:${a.port}`).join(",")}`;
  }
  async quickCheck(config: string, cp: ControlPlaneAddress[]): Promise<string[]> {
    this.checks.quick++;
    this.checks.full--;
    return this.check(config, cp);
  }
  async check(config: string, cp: ControlPlaneAddress[]): Promise<string[]> {
    this.checks.full++;
    return this.loaded === `${config}|${cp.map((a) => `${a.address}:${a.port}`).join(",")}` ? [] : ["differs"];
  }
  async remove(): Promise<void> {
    this.loaded = undefined;
  }
  async present(): Promise<boolean> {
    return this.loaded !== undefined;
  }
}

class FakeApi implements AgentApi {
  reports: Report[] = [];
  configs: AgentConfigBody[] = [];
  down = false;
  rejectReports = false;

  push(revision: number, config: string, managed = true): void {
    this.configs.push({ site_id: "site_1", revision, digest: `d${revision}`, managed, platform: "nftables", mode: "host", config });
  }
  async poll(etag: string | undefined): Promise<PollResult> {
    if (this.down) throw new Error("connect ECONNREFUSED");
    const latest = this.configs[this.configs.length - 1];
    if (!latest || etag === `"r${latest.revision}"`) return { changed: false };
    return { changed: true, etag: `"r${latest.revision}"`, body: latest };
  }
  async report(report: Report): Promise<void> {
    if (this.down) throw new Error("connect ECONNREFUSED");
    if (this.rejectReports) throw new RejectedError(422, "unknown revision");
    this.reports.push(report);
  }
  async heartbeat(): Promise<void> {}
}

const CP = [{ address: "10.0.0.1", port: 8787 }];

function setUp(stateDir = mkdtempSync(join(tmpdir(), "sg-agent-unit-"))) {
  const api = new FakeApi();
  const enforcer = new FakeEnforcer();
  const logs: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const agent = new Agent({
    api,
    enforcerFor: (platform) => {
      if (platform !== "nftables") throw new Error(`no enforcer for ${platform}`);
      return enforcer;
    },
    resolveControlPlane: async () => CP,
    stateDir,
    backoff: new Backoff({ initialMs: 1, maxMs: 2 }),
    log: createAgentLog({
      destination: {
        write(line) {
          lines.push(JSON.parse(line));
          logs.push(JSON.parse(line).msg);
        },
      },
    }),
  });
  return { api, enforcer, agent, stateDir, logs, lines };
}

describe("Agent", () => {
  it("applies a new revision once, persists it and reports it with its digest", async () => {
    const { api, enforcer, agent, stateDir } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    await agent.pollOnce(0);
    expect(enforcer.applies).toBe(1);
    expect(enforcer.loaded).toBe("ruleset-1|10.0.0.1:8787");
    expect(api.reports).toEqual([{ revision: 1, status: "applied", digest: "d1" }]);
    expect(await loadState(stateDir)).toMatchObject({ revision: 1, config: "ruleset-1", control_plane: CP });
  });

  it("logs every line with the site and the revision in force", async () => {
    const { api, enforcer, agent, lines } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.reject = (c) => (c === "ruleset-2" ? "Error: Could not process rule" : undefined);
    api.push(2, "ruleset-2");
    await agent.pollOnce(0);
    expect(lines.map((l) => [l.site, l.revision, l.msg])).toEqual([
      ["site_1", 1, "revision 1 applied (digest d1)"],
      ["site_1", 1, "revision 2 failed: Error: Could not process rule"],
    ]);
    expect(lines[1]).toMatchObject({ level: 50, failed_revision: 2 });
  });

  it("reports a rejected revision as failed and keeps the previous one in force and on disk", async () => {
    const { api, enforcer, agent, stateDir } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.reject = (c) => (c === "ruleset-2" ? "Error: Could not process rule" : undefined);
    api.push(2, "ruleset-2");
    await agent.pollOnce(0);
    expect(api.reports[1]).toEqual({ revision: 2, status: "failed", error: "Error: Could not process rule" });
    expect(enforcer.loaded).toBe("ruleset-1|10.0.0.1:8787");
    expect((await loadState(stateDir))?.revision).toBe(1);
    // The failed revision is not retried on every poll; drift checks still guard revision 1.
    await agent.pollOnce(0);
    expect(enforcer.applies).toBe(2);
  });

  it("puts the previous revision back when a failed apply left part of the new one behind", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.reject = (c) => {
      if (c !== "ruleset-2") return undefined;
      enforcer.loaded = "half of ruleset-2"; // e.g. ipset swapped, iptables-restore failed
      return "iptables-restore: line 7 failed";
    };
    api.push(2, "ruleset-2");
    await agent.pollOnce(0);
    expect(enforcer.loaded).toBe("ruleset-1|10.0.0.1:8787");
    expect(api.reports[1]).toEqual({ revision: 2, status: "failed", error: "iptables-restore: line 7 failed" });
  });

  it("hands each revision to the enforcer with the one before it; none after drift", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    api.push(2, "ruleset-2");
    await agent.pollOnce(0);
    expect(enforcer.previous).toEqual([undefined, { config: "ruleset-1", controlPlane: CP }]);
    enforcer.loaded = "edited by hand";
    await agent.checkDrift();
    // Drift: the state in force is unknown, so no previous revision to take a difference from.
    expect(enforcer.previous[2]).toBeUndefined();
  });

  it("drift checks are the cheap kind; checkDrift({ full: true }) reads everything back", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.checks = { full: 0, quick: 0 };
    await agent.checkDrift();
    await agent.pollOnce(0); // 304: a cheap check too
    expect(enforcer.checks).toEqual({ full: 0, quick: 2 });
    await agent.checkDrift({ full: true });
    expect(enforcer.checks).toEqual({ full: 1, quick: 2 });
  });

  it("re-applies after drift and reports it as drift", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.loaded = undefined; // nft flush ruleset
    await agent.checkDrift();
    expect(enforcer.loaded).toBe("ruleset-1|10.0.0.1:8787");
    expect(api.reports[1]).toEqual({ revision: 1, status: "applied", digest: "d1", drift: true });
    await agent.checkDrift();
    expect(api.reports).toHaveLength(2);
  });

  it("removes its rules when the site becomes unmanaged", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    api.push(2, "", false);
    await agent.pollOnce(0);
    expect(enforcer.loaded).toBeUndefined();
    expect(api.reports[1]).toEqual({ revision: 2, status: "applied", digest: "d2" });
  });

  it("keeps a report while the control plane is down and delivers it later", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    api.push(2, "ruleset-2");
    // Config fetched, then the control plane dies before the report.
    const poll = api.poll.bind(api);
    api.poll = async (etag) => {
      const r = await poll(etag);
      api.down = true;
      return r;
    };
    await expect(agent.pollOnce(0)).rejects.toThrow(/report of revision 2/);
    expect(enforcer.loaded).toBe("ruleset-2|10.0.0.1:8787");
    api.down = false;
    api.poll = poll;
    await agent.pollOnce(0);
    expect(api.reports.map((r) => r.revision)).toEqual([1, 2]);
  });

  it("drops a report the control plane refuses for good instead of retrying forever", async () => {
    const { api, agent, logs } = setUp();
    api.rejectReports = true;
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    expect(logs.join("\n")).toMatch(/refused the report of revision 1/);
  });

  it("restores the persisted policy after a restart without the control plane", async () => {
    const first = setUp();
    first.api.push(3, "ruleset-3");
    await first.agent.pollOnce(0);

    const second = setUp(first.stateDir);
    second.api.down = true;
    await second.agent.restore();
    expect(second.enforcer.loaded).toBe("ruleset-3|10.0.0.1:8787");
    second.api.down = false;
    second.api.push(3, "ruleset-3");
    await second.agent.pollOnce(0);
    // Same revision: not applied again, but reported, since the control plane may have missed it.
    expect(second.enforcer.applies).toBe(1);
    expect(second.api.reports).toEqual([{ revision: 3, status: "applied", digest: "d3" }]);
  });

  it("reports platforms it cannot enforce as failed", async () => {
    const { api, agent } = setUp();
    api.configs.push({
      site_id: "s",
      revision: 1,
      digest: "d1",
      managed: true,
      platform: "routeros",
      mode: "router",
      config: "/ip firewall",
    });
    await agent.pollOnce(0);
    expect(api.reports).toEqual([{ revision: 1, status: "failed", error: "no enforcer for routeros" }]);
  });
});

describe("Agent reports while the control plane is down", () => {
  it("delivers a failure and a later drift report in order", async () => {
    const { api, enforcer, agent } = setUp();
    api.push(1, "ruleset-1");
    await agent.pollOnce(0);
    enforcer.reject = (c) => (c === "ruleset-2" ? "rejected" : undefined);
    api.push(2, "ruleset-2");
    const poll = api.poll.bind(api);
    api.poll = async (etag) => {
      const r = await poll(etag);
      api.down = true;
      return r;
    };
    await expect(agent.pollOnce(0)).rejects.toThrow(/report of revision 2/);
    enforcer.loaded = undefined;
    await agent.checkDrift(); // re-applies revision 1; its report waits too
    expect(enforcer.loaded).toBe("ruleset-1|10.0.0.1:8787");
    api.down = false;
    api.poll = poll;
    await agent.pollOnce(0);
    expect(api.reports.slice(1)).toEqual([
      { revision: 2, status: "failed", error: "rejected" },
      { revision: 1, status: "applied", digest: "d1", drift: true },
    ]);
  });

  it("--once applies the current revision and returns the outcome", async () => {
    const { api, agent } = setUp();
    api.push(4, "ruleset-4");
    expect(await agent.once()).toEqual({ status: "applied", revision: 4 });
    expect(api.reports).toEqual([{ revision: 4, status: "applied", digest: "d4" }]);
  });
});
