/**
 * Port expressions: "80", "1024-2048" and comma lists of those. One parser for
 * validation, normalization and compilation.
 */

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const ALL_PORTS: PortRange = { from: 1, to: 65535 };
export const MAX_PORT_ITEMS = 50;

export type PortParse = { ok: true; ranges: PortRange[]; normalized: string } | { ok: false; message: string };

const ITEM = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;

/**
 * Parses a port expression. Whitespace is tolerated; the normalized form has
 * none, lists items ascending and merges duplicates and overlaps.
 */
export function parsePorts(text: string): PortParse {
  const items = text.split(",").map((s) => s.replace(/\s+/g, ""));
  if (items.length > MAX_PORT_ITEMS) {
    return { ok: false, message: `has ${items.length} items; at most ${MAX_PORT_ITEMS} are allowed` };
  }
  const ranges: PortRange[] = [];
  for (const item of items) {
    const m = ITEM.exec(item);
    if (!m) {
      return {
        ok: false,
        message: `"${item}" is not a port or port range; use forms like "80", "1024-2048" or "53,5353"`,
      };
    }
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (const p of [from, to]) {
      if (p < 1 || p > 65535) return { ok: false, message: `port ${p} is out of range; ports are 1-65535` };
    }
    if (from > to) return { ok: false, message: `range "${item}" is reversed; did you mean "${to}-${from}"?` };
    ranges.push({ from, to });
  }
  const merged = mergePortRanges(ranges);
  return { ok: true, ranges: merged, normalized: formatPorts(merged) };
}

export function mergePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && r.from <= top.to) top.to = Math.max(top.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

export function formatPorts(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(",");
}

export function coversAllPorts(ranges: readonly PortRange[]): boolean {
  return ranges.length === 1 && ranges[0].from === 1 && ranges[0].to === 65535;
}
