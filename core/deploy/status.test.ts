import { deriveStatus, deriveStatuses, isOnline, lockingSites, ONLINE_WINDOW_MS } from "./status";
import type { SyncTarget } from "../store/revisions";

const now = new Date("2026-01-01T00:00:00Z");
const later = new Date(now.getTime() + 60_000);
const earlier = new Date(now.getTime() - 1);
const justSeen = new Date(now.getTime() - 3_000);
const longAgo = new Date(now.getTime() - ONLINE_WINDOW_MS);

function target(
  site: string,
  state: SyncTarget["state"],
  deadline = later,
  error: string | null = null,
  last_seen: Date | null = justSeen,
): SyncTarget {
  return { resource_id: "sec_grp_x", site_id: site, revision: 3, state, error, deadline, last_seen, applied_revision: 2 };
}

describe("deriveStatus", () => {
  it("is active when nothing is waited on", () => {
    expect(deriveStatus([], now)).toEqual({ status: "active", sync_errors: [], pending_sites: [] });
  });

  it("is syncing while an online site has not confirmed before its deadline, and that site locks", () => {
    const s = deriveStatus([target("site_a", "pending")], now);
    expect(s.status).toBe("syncing");
    expect(s.pending_sites).toEqual([
      { site: "site_a", reason: "applying", revision: 3, applied_revision: 2, last_seen: justSeen.toISOString() },
    ]);
    expect(lockingSites(s.pending_sites).map((p) => p.site)).toEqual(["site_a"]);
  });

  it("fails once the deadline passes for an online site, naming the site and revision", () => {
    const s = deriveStatus([target("site_a", "pending", earlier)], now);
    expect(s.status).toBe("failed");
    expect(s.sync_errors).toEqual([{ site: "site_a", message: expect.stringContaining("revision 3") }]);
    expect(s.pending_sites).toEqual([]);
  });

  it("queues a never-connected site: syncing, not locked, not failed even past the deadline", () => {
    const s = deriveStatus([target("site_a", "pending", earlier, null, null)], now);
    expect(s.status).toBe("syncing");
    expect(s.sync_errors).toEqual([]);
    expect(s.pending_sites).toEqual([{ site: "site_a", reason: "never_connected", revision: 3, applied_revision: 2, last_seen: null }]);
    expect(lockingSites(s.pending_sites)).toEqual([]);
  });

  it("queues a site not heard from for the online window as offline", () => {
    const s = deriveStatus([target("site_a", "pending", later, null, longAgo), target("site_b", "pending", later, null, justSeen)], now);
    expect(s.pending_sites.map((p) => [p.site, p.reason])).toEqual([
      ["site_a", "offline"],
      ["site_b", "applying"],
    ]);
    expect(lockingSites(s.pending_sites).map((p) => p.site)).toEqual(["site_b"]);
  });

  it("reports a site's error and prefers failed over syncing", () => {
    const s = deriveStatus([target("site_a", "pending"), target("site_b", "failed", later, "nft: syntax error")], now);
    expect(s.status).toBe("failed");
    expect(s.sync_errors).toEqual([{ site: "site_b", message: "nft: syntax error" }]);
    expect(s.pending_sites.map((p) => p.site)).toEqual(["site_a"]);
  });

  it("ignores applied targets", () => {
    expect(deriveStatus([target("site_a", "applied", earlier)], now).status).toBe("active");
  });

  it("derives many resources from one list of rows", () => {
    const rows = [{ ...target("site_a", "pending"), resource_id: "r1" }];
    const m = deriveStatuses(["r1", "r2"], rows, now);
    expect(m.get("r1")!.status).toBe("syncing");
    expect(m.get("r2")!.status).toBe("active");
  });
});

describe("isOnline", () => {
  it("is false for a site never seen and for one seen exactly the window ago, true just inside it", () => {
    expect(isOnline(null, now.getTime())).toBe(false);
    expect(isOnline(longAgo, now.getTime())).toBe(false);
    expect(isOnline(new Date(longAgo.getTime() + 1), now.getTime())).toBe(true);
  });
});
