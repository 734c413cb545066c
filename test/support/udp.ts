/**
 * Real UDP reachability from inside a namespace: an echo server (dual-stack,
 * one socket per port) and a probe that sends one datagram to each target from
 * a given source address and says which answered. UDP has no refusal to rely
 * on, so a target is "reply" or "timeout".
 */
import type { Netns } from "./netns";

export type UdpReach = "reply" | "timeout";

/** Echoes every datagram back to its sender on each port, IPv4 and IPv6, until killed. */
export const UDP_ECHO_SCRIPT = `
const dgram = require("dgram");
let bound = 0;
const ports = process.argv.slice(1);
for (const p of ports) {
  const s = dgram.createSocket({ type: "udp6", ipv6Only: false });
  s.on("message", (msg, from) => s.send(msg, from.port, from.address));
  s.bind(Number(p), "::", () => { if (++bound === ports.length) console.log("echoing"); });
}
`;

const SCRIPT = `
const dgram = require("dgram");
const [src, timeout, ...targets] = process.argv.slice(1);
Promise.all(targets.map((t) => new Promise((resolve) => {
  const at = t.lastIndexOf(":");
  const host = t.slice(0, at).replace(/^\\[|\\]$/g, "");
  const port = Number(t.slice(at + 1));
  const s = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const done = (r) => { clearTimeout(timer); s.close(); resolve([t, r]); };
  const timer = setTimeout(() => done("timeout"), Number(timeout));
  s.on("message", () => done("reply"));
  s.on("error", () => done("timeout"));
  s.bind(0, src === "-" ? undefined : src, () => s.send("secgroups-udp-probe", port, host));
}))).then((r) => console.log(JSON.stringify(Object.fromEntries(r))));
`;

/** Which of the host:port targets ("10.0.0.1:53", "[fd00::1]:53") echo a datagram sent from `source` in `ns`. */
export function udpProbe(ns: Netns, source: string | undefined, targets: string[], timeoutMs = 500): Record<string, UdpReach> {
  return JSON.parse(ns.exec("node", ["-e", SCRIPT, source ?? "-", String(timeoutMs), ...targets]));
}
