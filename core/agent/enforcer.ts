/** What the agent needs from a platform: load a configuration atomically, check it is still in force, remove it. */
export interface ControlPlaneAddress {
  address: string;
  port: number;
}

export interface Enforcer {
  readonly platform: string;
  /**
   * Loads `config` plus the control-plane exception in one atomic step and
   * verifies the result; throws with the tool's error text when the kernel
   * rejects it (the previous rules then stay in force).
   */
  apply(config: string, controlPlane: ControlPlaneAddress[]): Promise<void>;
  /** Differences between what is loaded and what `apply(config, controlPlane)` loaded; empty when in force. */
  check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]>;
  /** Removes everything of ours (no filtering by us); idempotent. */
  remove(): Promise<void>;
  /** Whether anything of ours is loaded. */
  present(): Promise<boolean>;
}

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
