/** Imports of rules that already run into policy documents (see source.ts, report.ts, one module per format). */
import { importAws } from "./aws";
import { importCfAsg } from "./cf-asg";
import { importGenesis } from "./genesis";
import { importIptablesSave } from "./iptables-save";
import { importNft } from "./nft";
import { importRouteros } from "./routeros";
import type { ImportOptions, ImportResult } from "./source";

export { formatOmission, type Omission } from "./report";
export { ImportInputError, type ImportOptions, type ImportResult } from "./source";
export { importAws, importCfAsg, importGenesis, importIptablesSave, importNft, importRouteros };

export const IMPORT_FORMATS = {
  nft: importNft,
  "iptables-save": importIptablesSave,
  routeros: importRouteros,
  aws: importAws,
  "cf-asg": importCfAsg,
  genesis: importGenesis,
} as const satisfies Record<string, (text: string, options?: ImportOptions) => ImportResult>;

export type ImportFormat = keyof typeof IMPORT_FORMATS;
