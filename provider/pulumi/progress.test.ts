import type { PendingSite } from "../../core/model";
import { applying, describeErrors, describePending, ProgressLog, queued } from "./progress";

const now = Date.parse("2026-01-01T00:10:00Z");
const names = new Map([
  ["site_web", "web-1"],
  ["site_db", "db-1"],
]);

function pending(site: string, extra: Partial<PendingSite> = {}): PendingSite {
  return { site, reason: "applying", revision: 7, applied_revision: 6, last_seen: new Date(now - 3_000).toISOString(), ...extra };
}

describe("describePending", () => {
  it("names each site with why it has not applied the one revision they share", () => {
    const text = describePending(
      [pending("site_web", { reason: "never_connected", applied_revision: null, last_seen: null }), pending("site_db")],
      names,
      now,
    );
    expect(text).toBe("2 sites to apply revision 7: web-1 (site_web, never connected), db-1 (site_db, applied 6, last seen 3 s ago)");
  });

  it("gives each site's revision when they differ, and ids alone for unnamed sites", () => {
    const text = describePending(
      [pending("site_x", { revision: 3, applied_revision: null }), pending("site_y", { revision: 9 })],
      new Map(),
      now,
    );
    expect(text).toBe(
      "2 sites to apply their revisions: site_x (revision 3, last seen 3 s ago), site_y (revision 9, applied 6, last seen 3 s ago)",
    );
  });

  it("says offline and rounds a long absence to minutes or hours", () => {
    const minutes = pending("site_db", { reason: "offline", last_seen: new Date(now - 5 * 60_000).toISOString() });
    expect(describePending([minutes], names, now)).toBe(
      "1 site to apply revision 7: db-1 (site_db, applied 6, offline, last seen 5 min ago)",
    );
    const hours = pending("site_db", { reason: "offline", last_seen: new Date(now - 3 * 3_600_000).toISOString() });
    expect(describePending([hours], names, now)).toContain("last seen 3 h ago");
  });

  it("splits sites that are waited for from those that only queue", () => {
    const all = [pending("a"), pending("b", { reason: "offline" }), pending("c", { reason: "never_connected", last_seen: null })];
    expect(applying(all).map((p) => p.site)).toEqual(["a"]);
    expect(queued(all).map((p) => p.site)).toEqual(["b", "c"]);
  });
});

describe("describeErrors", () => {
  it("lists every site with its error", () => {
    expect(
      describeErrors(
        [
          { site: "site_web", message: "nft: syntax error" },
          { site: "site_z", message: "timeout" },
        ],
        names,
      ),
    ).toBe("web-1 (site_web): nft: syntax error; site_z: timeout");
  });
});

describe("ProgressLog", () => {
  it("writes the first line at once and then at most one every 10 s; say() always writes", () => {
    let clock = 0;
    const lines: string[] = [];
    const log = new ProgressLog(
      "secgroups security group sec_grp_x",
      (l) => lines.push(l),
      10_000,
      () => clock,
    );
    expect(log.tick("one")).toBe(true);
    clock = 9_999;
    expect(log.due()).toBe(false);
    expect(log.tick("dropped")).toBe(false);
    clock = 10_000;
    expect(log.tick("two")).toBe(true);
    log.say("done");
    expect(lines).toEqual([
      "secgroups security group sec_grp_x: one",
      "secgroups security group sec_grp_x: two",
      "secgroups security group sec_grp_x: done",
    ]);
  });
});
