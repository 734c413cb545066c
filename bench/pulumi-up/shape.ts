/** The bench's policy: GROUPS security groups of 5 rules and LISTS prefix lists of 8 prefixes (env SG_BENCH_GROUPS / SG_BENCH_LISTS). */
export const GROUPS = Number(process.env.SG_BENCH_GROUPS ?? 50);
export const LISTS = Number(process.env.SG_BENCH_LISTS ?? 10);

export function prefixesOf(i: number) {
  return Array.from({ length: 8 }, (_, j) => ({ cidr: `10.${i}.${j}.0/24`, description: `net ${i}.${j}` }));
}

type Direction = "inbound" | "outbound";

export function rulesOf<Id>(
  i: number,
  listIds: Id[],
): { direction: Direction; order: number; protocol: number; port: string; address: string | Id; description: string }[] {
  return [
    { direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" },
    { direction: "inbound", order: 20, protocol: 6, port: "22", address: listIds[i % listIds.length], description: "ssh from a list" },
    { direction: "inbound", order: 30, protocol: 6, port: `${8000 + i}`, address: `172.16.${i}.0/24`, description: "app" },
    { direction: "inbound", order: 40, protocol: 1, port: "", address: "0.0.0.0/0", description: "icmp" },
    { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" },
  ];
}
