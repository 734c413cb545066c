/**
 * Real TCP reachability from inside a namespace: one short-lived node process
 * per call connects to every target (bound to a given source address) and
 * says which connected. A dropped SYN shows as a timeout; a refused port
 * (nothing listening) as "refused".
 */
import type { Netns } from "./netns";

export type Reach = "open" | "refused" | "timeout";

const SCRIPT = `
const net = require("net");
const [src, timeout, ...targets] = process.argv.slice(1);
Promise.all(targets.map((t) => new Promise((resolve) => {
  const at = t.lastIndexOf(":");
  // Doubled backslashes: this is a template literal, where "\\[" alone would lose its backslash.
  const host = t.slice(0, at).replace(/^\\[|\\]$/g, "");
  const port = t.slice(at + 1);
  const s = net.connect({ host, port: Number(port), localAddress: src === "-" ? undefined : src });
  const done = (r) => { s.destroy(); resolve([t, r]); };
  s.setTimeout(Number(timeout), () => done("timeout"));
  s.on("connect", () => done("open"));
  s.on("error", (e) => done(e.code === "ECONNREFUSED" ? "refused" : "timeout"));
}))).then((r) => console.log(JSON.stringify(Object.fromEntries(r))));
`;

/** Reachability of host:port targets ("10.0.0.1:22", "[fd00::1]:22") from `ns`, using `source` as source address. */
export function probe(ns: Netns, source: string | undefined, targets: string[], timeoutMs = 400): Record<string, Reach> {
  return JSON.parse(ns.exec("node", ["-e", SCRIPT, source ?? "-", String(timeoutMs), ...targets]));
}

/** Listens on each port, IPv4 and IPv6 (a dual-stack socket), accepting and closing, until killed. */
export const LISTEN_SCRIPT = `
const net = require("net");
for (const p of process.argv.slice(1)) net.createServer((s) => s.end()).listen(Number(p), "::");
console.log("listening");
`;
