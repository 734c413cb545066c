/** `--from nft`: `nft list ruleset` text (or a file an admin wrote for `nft -f`) and `nft -j list ruleset` JSON. */
import { parseNftJson } from "../platforms/nftables/read";
import { readNftRuleset } from "../platforms/nftables/read-file";
import { DocumentBuilder } from "./document";
import { liftRuleset } from "./lift";
import { readOrFail, sortOmissions, type ImportOptions, type ImportResult } from "./source";

export function importNft(text: string, options: ImportOptions = {}): ImportResult {
  const builder = new DocumentBuilder(options.name ?? "imported");
  const json = text.trimStart().startsWith("{");
  const { ruleset, skipped } = readOrFail(json ? "nft -j" : "nft", () =>
    json ? { ruleset: parseNftJson(text, undefined, { lenient: true }), skipped: [] } : readNftRuleset(text, { lenient: true }),
  );
  for (const s of skipped) builder.omissions.push({ source: { line: s.line, text: s.text }, reason: `not imported: ${s.reason}` });
  // Keys are "<family> <table> <name>": a prefix list takes the set's own name.
  liftRuleset(ruleset, builder, { setName: (key) => key.split(" ").slice(2).join(" ") });
  const document = builder.build();
  return { document, omissions: sortOmissions(builder.omissions) };
}
