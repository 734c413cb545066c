/**
 * What an import could not express: one line per input rule (or statement),
 * naming where it was (line, or nft JSON handle) and why. The reasons name
 * the construct in the words of its source (NAT, rate limit, interface ...),
 * found from the rule's own text, so that `nft`, `iptables-save` and RouterOS
 * rules that mean the same read the same in the report.
 */

export interface Omission {
  source: { line?: number; handle?: number; text?: string; where?: string };
  reason: string;
}

/** `FILE:LINE: reason: text` (or `FILE: handle H: ...`), one line. */
export function formatOmission(file: string, o: Omission): string {
  const at = o.source.line !== undefined ? `:${o.source.line}` : "";
  const handle = o.source.handle !== undefined ? ` rule handle ${o.source.handle}` : "";
  const where = o.source.where ? ` ${o.source.where}` : "";
  const text = o.source.text ? `: ${o.source.text.length > 160 ? `${o.source.text.slice(0, 157)}...` : o.source.text}` : "";
  return `${file}${at}:${handle}${where} ${o.reason}${text}`;
}

/** Statement kinds a firewall rule may hold that the policy model has no word for, found in the rule text. */
const CONSTRUCTS: readonly [RegExp, string][] = [
  [
    /\b(snat|dnat|masquerade|redirect|netmap)\b|-j (SNAT|DNAT|MASQUERADE|REDIRECT|NETMAP)\b|action=(src-nat|dst-nat|masquerade|redirect|netmap)\b|"(snat|dnat|masquerade|redirect)"/i,
    "NAT",
  ],
  [/\blimit\b|--limit\b|hashlimit|limit=|"limit"/, "a rate limit"],
  [
    /\bmeta mark\b|\bct mark\b|\bmark set\b|-j (MARK|CONNMARK)\b|--mark\b|new-connection-mark=|new-packet-mark=|packet-mark=|connection-mark=|"mark"/,
    "a packet mark",
  ],
  [/\b(iifname|oifname|iif|oif)\b|(?:^|\s)-[io] |in-interface|out-interface|"iifname"|"oifname"/, "an interface match"],
  [/\bquota\b|--quota\b|"quota"/, "a quota"],
  [/\bct (helper|zone|count|expectation)\b|connlimit|connection-limit=|"ct count"/, "connection tracking options"],
  [/\b(sport)\b|--sport\b|src-port=|"sport"/, "a source port match"],
  [/\btcp flags\b|--tcp-flags\b|--syn\b|tcp-flags=/, "a TCP flags match"],
  [/\bqueue\b|-j NFQUEUE\b|\bnotrack\b|-j (CT|NOTRACK|TCPMSS|TRACE)\b|"queue"/, "a packet action other than accept or drop"],
  [/\bvmap\b|\bmap\b|"vmap"/, "a verdict map"],
];

/** Why a rule the reader could not read was left out: the construct it holds, else the reader's words. */
export function reasonFor(text: string | undefined, readerMessage: string): string {
  for (const [pattern, name] of CONSTRUCTS) if (text && pattern.test(text)) return `not imported: ${name} cannot be expressed`;
  return `not imported: ${readerMessage}`;
}

/** A reject rule's text: imported as drop, the reply it sends is lost. */
export function isReject(text: string | undefined): boolean {
  return Boolean(text && /\breject\b|-j REJECT\b|action=reject\b|"reject"/.test(text));
}
