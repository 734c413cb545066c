import { deriveStatus, deriveStatuses } from "./status";
import type { SyncTarget } from "../store/revisions";

const now = new Date("2026-01-01T00:00:00Z");
const later = new Date(now.getTime() + 60_000);
const earlier = new Date(now.getTime() - 1);

function target(site: string, state: SyncTarget["state"], deadline = later, error: string | null = null): SyncTarget {
  return { resource_id: "sec_grp_x", site_id: site, revision: 3, state, error, deadline };
}

describe("deriveStatus", () => {
  it("is active when nothing is waited on", () => {
    expect(deriveStatus([], now)).toEqual({ status: "active", sync_errors: [] });
  });

  it("is syncing while a site has not confirmed before its deadline", () => {
    expect(deriveStatus([target("site_a", "pending")], now).status).toBe("syncing");
  });

  it("fails once the deadline passes, naming the site and revision", () => {
    const s = deriveStatus([target("site_a", "pending", earlier)], now);
    expect(s.status).toBe("failed");
    expect(s.sync_errors).toEqual([{ site: "site_a", message: expect.stringContaining("revision 3") }]);
  });

  it("reports a site's error and prefers failed over syncing", () => {
    const s = deriveStatus([target("site_a", "pending"), target("site_b", "failed", later, "nft: syntax error")], now);
    expect(s).toEqual({ status: "failed", sync_errors: [{ site: "site_b", message: "nft: syntax error" }] });
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
