/* eslint-disable @typescript-eslint/no-explicit-any -- API responses and Pulumi state are untyped JSON in tests */
/**
 * A lab for Pulumi tests with real agents: the core (`secgroups serve`) in its
 * own network namespace, one namespace per site where `secgroups agent`
 * enforces the site's policy with nftables, and a bridge on host loopback so
 * the Pulumi CLI and its providers reach the core:
 *
 *   pulumi (host) -> 127.0.0.1:P -> unix socket -> relay in core ns -> 10.79.k.1:8787
 *   agent in site ns k -> veth -> 10.79.k.1:8787 (core)
 *
 * Traffic stays on loopback and inside namespaces this lab creates.
 */
import * as net from "node:net";
import { Netns, connect, netnsAvailable, uniqueSuffix } from "./netns";
import { Proc, ensureBuilt, startAgent, startRelay, startServer, tempDir, userToken } from "./secgroups";

export { netnsAvailable };

export interface NetnsLab {
  endpoint: string;
  token: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Starts the real agent of `site` (one of the names given) with its token; once per site. */
  startAgent(site: string, siteToken: string): void;
  /** `nft list ruleset` in a site's namespace: what its agent loaded into the kernel. */
  ruleset(site: string): string;
  agentOutput(site: string): string;
  close(): Promise<void>;
}

const PORT = 8787;

export async function startNetnsLab(siteNames: string[]): Promise<NetnsLab> {
  ensureBuilt();
  const suffix = uniqueSuffix();
  const procs: Proc[] = [];
  const namespaces: Netns[] = [];
  const agents = new Map<string, Proc>();
  let bridge: net.Server | undefined;
  try {
    const coreNs = Netns.create(`sgp-core-${suffix}`);
    namespaces.push(coreNs);
    const sites = new Map<string, { ns: Netns; coreAddress: string }>();
    siteNames.forEach((name, i) => {
      const ns = Netns.create(`sgp-s${i}-${suffix}`);
      namespaces.push(ns);
      const k = i + 1;
      connect(coreNs, [`10.79.${k}.1/24`], ns, [`10.79.${k}.2/24`], `sgp${k}${suffix}`.slice(0, 12));
      sites.set(name, { ns, coreAddress: `10.79.${k}.1` });
    });

    procs.push(await startServer({ ns: coreNs, host: "0.0.0.0", port: PORT, data: tempDir("sg-pulumi-netns-data-"), syncTimeout: "2m" }));
    const relay = await startRelay(coreNs, "127.0.0.1", PORT);
    procs.push(relay.proc);
    bridge = net.createServer((client) => {
      const upstream = net.connect(relay.socketPath);
      client.pipe(upstream).on("error", () => upstream.destroy());
      upstream.pipe(client).on("error", () => client.destroy());
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => bridge!.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(bridge.address() as net.AddressInfo).port}`;
    const token = userToken(`org_pulumi_${suffix}`);

    return {
      endpoint,
      token,
      async api(method, path, body) {
        const response = await fetch(endpoint + path, {
          method,
          headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      },
      startAgent(site, siteToken) {
        if (agents.has(site)) return;
        const s = sites.get(site);
        if (!s) throw new Error(`no namespace for site ${site}`);
        const agent = startAgent(s.ns, [
          "--endpoint",
          `http://${s.coreAddress}:${PORT}`,
          "--site-token",
          siteToken,
          "--state-dir",
          tempDir("sg-pulumi-agent-"),
          "--poll-wait",
          "5",
          "--heartbeat",
          "1s",
          "--backoff-max",
          "2s",
        ]);
        agents.set(site, agent);
        procs.push(agent);
      },
      ruleset(site) {
        return sites.get(site)!.ns.exec("nft", ["list", "ruleset"]);
      },
      agentOutput(site) {
        return agents.get(site)?.text ?? "";
      },
      async close() {
        bridge?.close();
        for (const p of procs.reverse()) await p.kill("SIGKILL").catch(() => undefined);
        for (const ns of namespaces) ns.delete();
      },
    };
  } catch (err) {
    bridge?.close();
    for (const p of procs) await p.kill("SIGKILL").catch(() => undefined);
    for (const ns of namespaces) ns.delete();
    throw err;
  }
}
