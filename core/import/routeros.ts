/** `--from routeros`: a RouterOS `/export` (or `/ip firewall export`), /ip and /ipv6 firewall filter and address lists. */
import { ROUTEROS_CONTROL_PLANE_LIST } from "../platforms/routeros/names";
import { readRouterosExport } from "../platforms/routeros/read";
import { DocumentBuilder } from "./document";
import { liftRuleset } from "./lift";
import { readOrFail, sortOmissions, type ImportOptions, type ImportResult } from "./source";

export function importRouteros(text: string, options: ImportOptions = {}): ImportResult {
  const ruleset = readOrFail("RouterOS", () => readRouterosExport(text));
  const builder = new DocumentBuilder(options.name ?? "imported");
  liftRuleset(ruleset, builder, { implicitSets: new Set([ROUTEROS_CONTROL_PLANE_LIST]) });
  return { document: builder.build(), omissions: sortOmissions(builder.omissions) };
}
