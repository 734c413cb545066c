/** secgroups-nft-elements as the agent's package ships it: built (or found in the cache) by scripts/build-nft-elements.sh. */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

let built: string | undefined;

export function nftElementsBin(): string {
  return (built ??= execFileSync("bash", [path.join(ROOT, "scripts/build-nft-elements.sh")], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!);
}
