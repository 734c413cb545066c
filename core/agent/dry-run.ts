import type { Enforcer } from "../platforms/platform";

/** For `--dry-run` and scale tests: accepts every configuration and touches nothing. */
export class DryRunEnforcer implements Enforcer {
  readonly platform = "none";
  async apply(): Promise<void> {}
  async check(): Promise<string[]> {
    return [];
  }
  async remove(): Promise<void> {}
  async present(): Promise<boolean> {
    return false;
  }
}
