import { createAgentLog, textLine } from "./log";

function capture(format: "json" | "text") {
  const lines: string[] = [];
  const log = createAgentLog({ format, destination: { write: (line) => lines.push(line) } });
  return { log, lines };
}

describe("agent log", () => {
  it("writes one JSON object per line with the site and revision in force on every line", () => {
    const { log, lines } = capture("json");
    log.warn("control plane unreachable; retrying in 100 ms", { retry_ms: 100 });
    log.setContext({ site: "site_abc", revision: 3 });
    log.info("revision 3 applied");
    log.setContext({ site: "site_abc", revision: 4 });
    log.error("revision 5 failed: nft said no", { failed_revision: 5 });
    expect(lines.every((l) => l.endsWith("\n") && l.indexOf("\n") === l.length - 1)).toBe(true);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((p) => [p.level, p.site, p.revision, p.msg])).toEqual([
      [40, null, null, "control plane unreachable; retrying in 100 ms"],
      [30, "site_abc", 3, "revision 3 applied"],
      [50, "site_abc", 4, "revision 5 failed: nft said no"],
    ]);
    expect(parsed[0]).toMatchObject({ name: "secgroups-agent", retry_ms: 100, pid: process.pid });
    expect(typeof parsed[0].time).toBe("number");
    expect(parsed[2].failed_revision).toBe(5);
  });

  it("formats the same events as one plain line each with --log-format text", () => {
    const { log, lines } = capture("text");
    log.info("starting");
    log.setContext({ site: "site_abc", revision: 7 });
    log.warn("drift at revision 7: the table is missing; re-applying", { retry_ms: 5 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  - r-  starting\n$/);
    expect(lines[1]).toMatch(/^\S+Z WARN  site_abc r7  drift at revision 7: the table is missing; re-applying retry_ms=5\n$/);
  });

  it("logs nothing at level silent", () => {
    const lines: string[] = [];
    const log = createAgentLog({ level: "silent", destination: { write: (l) => lines.push(l) } });
    log.error("x");
    expect(lines).toEqual([]);
  });

  it("keeps a multi-line message (a tool's error output) on one text line", () => {
    const line = textLine(JSON.stringify({ level: 50, time: 0, site: "s", revision: 1, msg: "nft: Error:\nline 2", detail: { x: 1 } }));
    expect(line).toBe('1970-01-01T00:00:00.000Z ERROR s r1  nft: Error:\\nline 2 detail={"x":1}\n');
  });
});
