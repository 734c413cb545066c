/**
 * The agent's log: pino JSON lines on stderr (as the core logs), every line
 * carrying the site and the revision in force, so a fleet's logs can be
 * filtered per site and correlated with a deploy. `text` is one plain line per
 * event for people at a terminal: the same events, formatted from the JSON.
 */
import pino, { type DestinationStream, type Level } from "pino";

export type LogFormat = "json" | "text";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "text"];

export type LogFields = Record<string, unknown>;

/** Which site, and which of its revisions is in force; null until known (first poll, or the state file). */
export interface AgentLogContext {
  site: string | null;
  revision: number | null;
}

export interface AgentLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Every later line carries this site and revision. */
  setContext(context: AgentLogContext): void;
}

export interface AgentLogOptions {
  format?: LogFormat;
  /** "silent" logs nothing (embedded agents in tests and load runs). */
  level?: Level | "silent";
  /** Where lines go (default stderr). */
  destination?: { write(line: string): void };
}

export function createAgentLog(options: AgentLogOptions = {}): AgentLog {
  const context: AgentLogContext = { site: null, revision: null };
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  const stream: DestinationStream = options.format === "text" ? { write: (line) => out.write(textLine(line)) } : out;
  const logger = pino({ name: "secgroups-agent", level: options.level ?? "info", mixin: () => ({ ...context }) }, stream);
  const at =
    (level: "info" | "warn" | "error") =>
    (message: string, fields: LogFields = {}) =>
      logger[level](fields, message);
  return {
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    setContext(next) {
      Object.assign(context, next);
    },
  };
}

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** Keys every line has; the rest are the event's own fields. */
const FRAME = new Set(["level", "time", "pid", "hostname", "name", "site", "revision", "msg"]);

/** One pino JSON line as `2025-01-31T12:00:00.000Z INFO  site_… r7  message key=value`. */
export function textLine(json: string): string {
  const o = JSON.parse(json) as Record<string, unknown>;
  const extra = Object.entries(o)
    .filter(([k]) => !FRAME.has(k))
    .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("");
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const revision = o.revision === null || o.revision === undefined ? "r-" : `r${String(o.revision)}`;
  // A tool's multi-line error stays on its event's line.
  const message = String(o.msg).replace(/\r?\n/g, "\\n");
  return `${new Date(o.time as number).toISOString()} ${level} ${String(o.site ?? "-")} ${revision}  ${message}${extra}\n`;
}
