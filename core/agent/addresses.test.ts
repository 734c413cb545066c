/** The agent's address reports: which interface addresses it names, and that it sends only changes (and retries failures). */
import type { NetworkInterfaceInfo } from "node:os";
import { validateAgentAddresses } from "../model";
import { AddressWatcher, reportableAddresses } from "./addresses";
import { RejectedError } from "./client";
import { createAgentLog } from "./log";

function iface(address: string, family: "IPv4" | "IPv6", internal = false): NetworkInterfaceInfo {
  return {
    address,
    family,
    internal,
    netmask: "",
    mac: "00:00:00:00:00:00",
    cidr: null,
    ...(family === "IPv6" ? { scopeid: 0 } : {}),
  } as NetworkInterfaceInfo;
}

const host = {
  lo: [iface("127.0.0.1", "IPv4", true), iface("::1", "IPv6", true)],
  eth0: [iface("10.0.1.5", "IPv4"), iface("fe80::5054:ff:fe12:3456%eth0", "IPv6"), iface("2001:db8:0:0::5", "IPv6")],
  eth1: [iface("169.254.3.4", "IPv4"), iface("203.0.113.9", "IPv4"), iface("10.0.1.5", "IPv4")],
};

describe("reportableAddresses", () => {
  it("names global unicast addresses only, as host CIDRs in canonical text, sorted, each once", () => {
    expect(reportableAddresses(host)).toEqual(["10.0.1.5/32", "2001:db8::5/128", "203.0.113.9/32"]);
    expect(reportableAddresses({ lo: host.lo })).toEqual([]);
  });

  it("what it names, the control plane accepts (the same rule on both ends)", () => {
    const many: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
    for (let i = 0; i < 100; i++) many[`veth${i}`] = [iface(`10.1.${i}.1`, "IPv4"), iface(`fd00::${i.toString(16)}:1`, "IPv6")];
    const addresses = reportableAddresses({ ...host, ...many });
    expect(addresses.length).toBe(64);
    expect(validateAgentAddresses({ addresses })).toEqual({ ok: true, value: { addresses } });
  });
});

describe("AddressWatcher", () => {
  const log = createAgentLog({ level: "silent" });

  it("sends at start, then only when the set changes; a failed send is tried again on the next look", async () => {
    let interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = host;
    const sent: string[][] = [];
    let fail = false;
    const watcher = new AddressWatcher({
      log,
      read: () => interfaces,
      send: async (a) => {
        if (fail) throw new Error("connection refused");
        sent.push(a);
      },
    });
    await watcher.check();
    await watcher.check();
    expect(sent).toEqual([["10.0.1.5/32", "2001:db8::5/128", "203.0.113.9/32"]]);
    interfaces = { eth0: [iface("10.0.1.6", "IPv4")] };
    fail = true;
    await watcher.check();
    expect(sent).toHaveLength(1);
    fail = false;
    await watcher.check();
    await watcher.check();
    expect(sent).toEqual([["10.0.1.5/32", "2001:db8::5/128", "203.0.113.9/32"], ["10.0.1.6/32"]]);
  });

  it("a refused report is not repeated until the set changes", async () => {
    let calls = 0;
    let interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = host;
    const watcher = new AddressWatcher({
      log,
      read: () => interfaces,
      send: async () => {
        calls++;
        throw new RejectedError(404, "route_not_found");
      },
    });
    await watcher.check();
    await watcher.check();
    expect(calls).toBe(1);
    interfaces = { eth0: [iface("10.0.1.6", "IPv4")] };
    await watcher.check();
    expect(calls).toBe(2);
  });
});
