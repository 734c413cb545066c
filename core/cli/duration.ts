/**
 * The one duration syntax of every CLI flag: a non-negative number and a unit,
 * `500ms`, `30s`, `1.5m`, `2h`, `7d`; a bare number is seconds (as `--ttl 3600`
 * and `--poll-wait 30` always were).
 */
import { UsageError } from "./command";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
export const DURATION_FORMS = "a number and a unit: 500ms, 30s, 2m, 1h, 7d (a bare number is seconds)";

export interface DurationLimits {
  /** Smallest accepted value in ms (default 1: zero is refused). */
  minMs?: number;
  /** Largest accepted value in ms. */
  maxMs?: number;
  /** Only whole seconds (the value is sent as seconds). */
  wholeSeconds?: boolean;
}

/** Milliseconds of `text`, or a UsageError naming the flag, the value and the accepted forms. */
export function parseDuration(text: string, flag: string, limits: DurationLimits = {}): number {
  const m = DURATION.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? "s") as keyof typeof UNIT_MS]) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} must be a duration, ${DURATION_FORMS}; got ${JSON.stringify(text)}`);
  const { minMs = 1, maxMs } = limits;
  if (ms < minMs) {
    const least = minMs === 1 ? "greater than zero" : `at least ${formatDuration(minMs)}`;
    throw new UsageError(`${flag} must be ${least}; got ${JSON.stringify(text)}`);
  }
  if (maxMs !== undefined && ms > maxMs) {
    throw new UsageError(`${flag} must be at most ${formatDuration(maxMs)}; got ${JSON.stringify(text)}`);
  }
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${flag} is too long; got ${JSON.stringify(text)}`);
  if (limits.wholeSeconds && ms % 1000 !== 0) throw new UsageError(`${flag} must be whole seconds; got ${JSON.stringify(text)}`);
  return ms;
}

/** The largest unit that states `ms` exactly: 90000 -> "90s", 120000 -> "2m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  for (const unit of ["d", "h", "m", "s"] as const) if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
