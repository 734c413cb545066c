/**
 * Delivery deltas end to end (#17): a real core (`secgroups serve`) and a
 * real agent (`secgroups agent --dry-run`, so no kernel is needed) talk
 * through a recording proxy in this process, which can also spoil what the
 * core answers. After each change the agent must hold exactly the core's full
 * configuration (its state file against GET /agent/v1/config), having fetched
 * it as a delta when nothing was spoiled, and in full after a corrupted
 * delta, a 410 or a 500; a restarted agent asks for a delta from the revision
 * in its state directory.
 */
import { readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Api, Proc, ensureBuilt, eventually, startAgent, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(180_000);

type Spoil = "none" | "corrupt" | "gone" | "error";

const CORE_PORT = 20_000 + Math.floor(Math.random() * 20_000);
let core: Proc | undefined;
let agent: Proc | undefined;
let proxy: Server;
let proxyUrl: string;
let api: Api;
let stateDir: string;
let site: { id: string; token: string };
let listId: string;
let spoil: Spoil = "none";
/** Paths the agent asked for (config polls only), in order. */
let seen: string[] = [];

function startProxy(): Promise<void> {
  proxy = createServer((req, res) => {
    const upstream = request({ host: "127.0.0.1", port: CORE_PORT, path: req.url, method: req.method, headers: req.headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on("data", (c: Buffer) => chunks.push(c));
      up.on("end", () => {
        let status = up.statusCode ?? 502;
        let body = Buffer.concat(chunks);
        const isDelta = req.url?.startsWith("/agent/v1/config/delta") && status === 200;
        if (isDelta && spoil === "corrupt") {
          const delta = JSON.parse(body.toString());
          delta.edits = [{ at: 0, delete: 0, insert: ["# not what the core compiled"] }, ...delta.edits];
          body = Buffer.from(JSON.stringify(delta));
        } else if (isDelta && (spoil === "gone" || spoil === "error")) {
          status = spoil === "gone" ? 410 : 500;
          body = Buffer.from(JSON.stringify({ type: "api_error", code: "internal_error", message: "spoiled", doc_url: "x" }));
        }
        if (req.url?.startsWith("/agent/v1/config")) seen.push(`${req.url.split("?")[0]} ${status}`);
        const headers = { ...up.headers, "content-length": String(body.length) };
        res.writeHead(status, headers);
        res.end(body);
      });
    });
    upstream.on("error", () => res.destroy());
    // A client that went away (a killed agent) takes its held poll with it.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    proxy.listen(0, "127.0.0.1", () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

function runAgent(): Proc {
  return startAgent(undefined, [
    "--endpoint",
    proxyUrl,
    "--site-token",
    site.token,
    "--state-dir",
    stateDir,
    "--dry-run",
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--backoff-max",
    "1s",
  ]);
}

const prefixes = (n: number, extra: string[] = []) => [
  ...Array.from({ length: n }, (_, i) => ({ cidr: `10.${i}.0.0/16` })),
  ...extra.map((cidr) => ({ cidr })),
];

/** Changes the list, then waits until the agent's state holds the core's new configuration. */
async function changeAndConverge(extra: string): Promise<void> {
  seen = [];
  await api.ok("PUT", `/vpc/prefix-lists/${listId}`, { name: "delivery list", prefixes: prefixes(200, [extra]) });
  const desired = (await api.ok("GET", `/vpc/sites/${site.id}`)).desired_revision;
  const full = (await api.call("GET", "/agent/v1/config", undefined, site.token)).body;
  expect(full.revision).toBe(desired);
  await eventually(
    `the agent holds revision ${desired}`,
    () => {
      try {
        const state = JSON.parse(readFileSync(join(stateDir, "applied.json"), "utf8"));
        return state.revision === desired;
      } catch {
        return false;
      }
    },
    60_000,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nseen: ${seen.join(", ")}\nagent:\n${agent?.text.slice(-3000)}`);
  });
  const state = JSON.parse(readFileSync(join(stateDir, "applied.json"), "utf8"));
  expect([state.digest, state.config]).toEqual([full.digest, full.config]);
  // Reported, so the list is no longer locked for the next change.
  await eventually("the list is active", async () => (await api.ok("GET", `/vpc/prefix-lists/${listId}`)).status === "active", 30_000, 100);
}

beforeAll(async () => {
  ensureBuilt();
  await startProxy();
  core = await startServer({ host: "127.0.0.1", port: CORE_PORT, data: tempDir("sg-delta-data-") });
  api = new Api(`http://127.0.0.1:${CORE_PORT}`, userToken());
  stateDir = tempDir("sg-delta-agent-");
  site = await api.ok("POST", "/vpc/sites", { name: "delivery", platform: "iptables" });
  listId = (await api.ok("POST", "/vpc/prefix-lists", { name: "delivery list", prefixes: prefixes(200) })).id;
  await api.ok("POST", "/vpc/security-groups", {
    name: "delivery",
    rules: [{ direction: "inbound", order: 1, protocol: 6, port: "22", address: listId, description: "ssh" }],
    sites: [site.id],
  });
  agent = runAgent();
  await eventually("first apply", () => /revision 1 applied/.test(agent!.text), 60_000, 100);
});

afterAll(async () => {
  await agent?.kill();
  await core?.kill();
  proxy?.close();
});

it("fetches a change as a delta and holds exactly the core's configuration", async () => {
  await changeAndConverge("192.168.1.0/24");
  expect(seen.filter((s) => s.endsWith(" 200"))).toEqual(["/agent/v1/config/delta 200"]);
  // Another, on top of the rebuilt text.
  await changeAndConverge("192.168.2.0/24");
  expect(seen.filter((s) => s.endsWith(" 200"))).toEqual(["/agent/v1/config/delta 200"]);
});

it.each<[Spoil, string]>([
  ["corrupt", "/agent/v1/config/delta 200"],
  ["gone", "/agent/v1/config/delta 410"],
  ["error", "/agent/v1/config/delta 500"],
])("falls back to the full text after a %s delta", async (mode, answered) => {
  spoil = mode;
  try {
    await changeAndConverge(`192.168.${mode.length}.0/24`);
  } finally {
    spoil = "none";
  }
  expect(seen).toContain(answered);
  expect(seen.filter((s) => s.startsWith("/agent/v1/config 200"))).toHaveLength(1);
  // The next change is a delta again, from the text fetched in full.
  await changeAndConverge(`192.168.${10 + mode.length}.0/24`);
  expect(seen.filter((s) => s.endsWith(" 200"))).toEqual(["/agent/v1/config/delta 200"]);
});

it("a restarted agent asks for a delta from the revision in its state directory", async () => {
  await agent!.kill();
  // Changed while the agent is down (it is offline once its heartbeats stop counting; the sync timeout is not waited for).
  await eventually(
    "the change is accepted",
    async () =>
      (await api.call("PUT", `/vpc/prefix-lists/${listId}`, { name: "delivery list", prefixes: prefixes(200, ["192.168.99.0/24"]) }))
        .status === 200,
    90_000,
    500,
  );
  seen = [];
  agent = runAgent();
  await eventually("the list is active", async () => (await api.ok("GET", `/vpc/prefix-lists/${listId}`)).status === "active", 60_000, 100);
  expect(seen.filter((s) => s.endsWith(" 200"))).toEqual(["/agent/v1/config/delta 200"]);
  await changeAndConverge("192.168.100.0/24");
  expect(seen.filter((s) => s.endsWith(" 200"))).toEqual(["/agent/v1/config/delta 200"]);
});
