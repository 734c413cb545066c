/**
 * The statements of an nft text file, one per entry with the line it starts
 * on: comments stripped, `define` variables substituted, statements split at
 * `;`, one-line blocks (`set web { type ipv4_addr; elements = { ... } }`)
 * opened, and a brace list that spans lines (`elements = {` ... `}`) joined.
 * render.ts writes one statement per line, so for our own files this changes
 * nothing; hand-written files and `nft list ruleset` output need it.
 */

export interface NftStatement {
  text: string;
  /** 1-based line of the file the statement starts on. */
  line: number;
}

/** Keywords that open a block when a statement ends in `{`. */
const BLOCK = /^(?:(?:add|create)\s+)?(?:table|chain|set|map|flowtable|counter|quota|secmark|synproxy|ct\s+\w+)\b[^{}"]*\{/;

/** Index of `#` outside a quoted string, or -1. */
function commentAt(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === "#" && !quoted) return i;
  }
  return -1;
}

/** `{` minus `}` outside quoted strings. */
function depthOf(text: string): number {
  let depth = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "{") depth++;
    else if (!quoted && c === "}") depth--;
  }
  return depth;
}

/** Splits at `;` outside quotes and braces. */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === ";" && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** A statement, with one-line blocks opened: "set s { type x; }" -> "set s {", "type x", "}". */
function expand(text: string, out: string[]): void {
  const open = BLOCK.exec(text);
  if (open && text.length > open[0].length) {
    out.push(open[0].trim());
    expand(text.slice(open[0].length).trim(), out);
    return;
  }
  for (const statement of splitStatements(text)) {
    // A statement that closes the block it sits in: "elements = { a } }" -> "elements = { a }", "}".
    let body = statement;
    let closes = 0;
    while (body !== "}" && body.endsWith("}") && depthOf(body) < 0) {
      body = body.slice(0, -1).trim();
      closes++;
    }
    if (body) {
      const inner = BLOCK.exec(body);
      if (inner && body.length > inner[0].length) expand(body, out);
      else out.push(body);
    }
    for (let i = 0; i < closes; i++) out.push("}");
  }
}

export function nftStatements(text: string): NftStatement[] {
  const variables = new Map<string, string>();
  const out: NftStatement[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    const strip = (raw: string) => {
      const at = commentAt(raw);
      return (at >= 0 ? raw.slice(0, at) : raw).trim();
    };
    let logical = strip(lines[i]);
    // A brace list or a rule that spans lines: join until the braces balance (blocks stay open).
    while (i + 1 < lines.length && (logical.endsWith("\\") || (depthOf(logical) > 0 && !BLOCK.test(logical)))) {
      logical = `${logical.replace(/\\$/, "")} ${strip(lines[++i])}`.trim();
    }
    if (!logical) continue;
    const define = /^define\s+([A-Za-z_][\w-]*)\s*=\s*(.+)$/.exec(logical);
    if (define) {
      variables.set(define[1], substitute(define[2].trim(), variables));
      continue;
    }
    const pieces: string[] = [];
    expand(substitute(logical, variables), pieces);
    for (const piece of pieces) out.push({ text: piece, line: startLine });
  }
  return out;
}

/** `$name` -> its defined value (nft's `define`); an unknown variable stays as written. */
function substitute(text: string, variables: Map<string, string>): string {
  if (!text.includes("$")) return text;
  return text.replace(/\$([A-Za-z_][\w-]*)/g, (all, name: string) => variables.get(name) ?? all);
}
