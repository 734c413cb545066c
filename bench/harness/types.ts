/** The shape of bench/results/latest.json (one object per case). */
export interface Summary {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  samples_ms: number[];
  /** Median CPU time (user + system) of the same runs, where measured: steadier than wall time on a loaded machine. */
  cpu_median_ms?: number;
  cpu_samples_ms?: number[];
}

/** One measured figure of ours beside its anchor, measured in the same run. */
export interface Row {
  metric: string;
  ours: Summary;
  anchor?: { name: string; summary?: Summary; error?: string; peak_rss_kib?: number };
  /** ours / anchor (medians): < 1 means ours is faster. */
  ratio?: number;
  /** What the issue asks of this figure. */
  target?: { text: string; met?: boolean };
  note?: string;
}

export interface CurvePoint {
  x: number;
  ours_ms: number;
  anchors: Record<string, number | null>;
}

export interface Curve {
  id: string;
  title: string;
  x_label: string;
  y_label: string;
  log_x: boolean;
  points: CurvePoint[];
  note?: string;
}

export interface CaseResult {
  name: string;
  title: string;
  workload: string;
  rows: Row[];
  curves?: Curve[];
  notes: string[];
  skipped?: string;
  error?: string;
  /** Peak resident set of the process that ran the case (ours and in-process anchors), KiB. */
  peak_rss_kib?: number;
  elapsed_s?: number;
}

export interface CaseOptions {
  smoke: boolean;
  /** Warm-up runs before the timed ones. */
  warmup: number;
  /** Timed repetitions (the median is reported). */
  runs: number;
  python: { capirca: string; aerleon: string };
  repo: string;
  workDir: string;
  /** `--platform NAME`: a case that measures several platforms (agent-apply) measures only this one. */
  platform?: string;
  log: (line: string) => void;
}
