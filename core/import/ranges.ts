/** Intersection and complement of disjoint ascending address ranges (an import ANDs and negates address matches). */
import {
  compareIPv6,
  mergeRanges,
  mergeRanges6,
  nextIPv6,
  previousIPv6,
  type AddressRange,
  type AddressRange6,
  type IPv6Address,
} from "../model";
import { ALL_ADDRESSES, ALL_ADDRESSES6 } from "../policy";

export const ALL4: readonly AddressRange[] = ALL_ADDRESSES;
export const ALL6: readonly AddressRange6[] = ALL_ADDRESSES6;

export function intersect(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  for (const x of a)
    for (const y of b) {
      const first = Math.max(x.first, y.first);
      const last = Math.min(x.last, y.last);
      if (first <= last) out.push({ first, last });
    }
  return mergeRanges(out);
}

export function complement(ranges: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  let next = 0;
  for (const r of mergeRanges([...ranges])) {
    if (r.first > next) out.push({ first: next, last: r.first - 1 });
    next = r.last + 1;
  }
  if (next <= 0xffffffff) out.push({ first: next, last: 0xffffffff });
  return out;
}

const max6 = (a: IPv6Address, b: IPv6Address) => (compareIPv6(a, b) >= 0 ? a : b);
const min6 = (a: IPv6Address, b: IPv6Address) => (compareIPv6(a, b) <= 0 ? a : b);

export function intersect6(a: readonly AddressRange6[], b: readonly AddressRange6[]): AddressRange6[] {
  const out: AddressRange6[] = [];
  for (const x of a)
    for (const y of b) {
      const first = max6(x.first, y.first);
      const last = min6(x.last, y.last);
      if (compareIPv6(first, last) <= 0) out.push({ first, last });
    }
  return mergeRanges6(out);
}

export function complement6(ranges: readonly AddressRange6[]): AddressRange6[] {
  const out: AddressRange6[] = [];
  let next: IPv6Address | undefined = ALL6[0].first;
  for (const r of mergeRanges6([...ranges])) {
    if (next === undefined) break;
    if (compareIPv6(r.first, next) > 0) out.push({ first: next, last: previousIPv6(r.first)! });
    next = nextIPv6(r.last);
  }
  if (next !== undefined) out.push({ first: next, last: ALL6[0].last });
  return out;
}
