#!/usr/bin/env python3
"""Scaling plots for BENCHMARKS.md: one PNG per curve in results JSON.

  plot.py RESULTS.json OUT_DIR   -> prints the paths written, one a line
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    results_file, out_dir = sys.argv[1], sys.argv[2]
    with open(results_file) as f:
        results = json.load(f)
    machine = results["machine"]
    for case in results["cases"]:
        for curve in case.get("curves") or []:
            points = curve["points"]
            if not points:
                continue
            fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
            xs = [p["x"] for p in points]
            ax.plot(xs, [p["ours_ms"] for p in points], marker="o", linewidth=2, label="secgroups")
            names = []
            for p in points:
                for n in p["anchors"]:
                    if n not in names:
                        names.append(n)
            for n in names:
                pts = [(p["x"], p["anchors"].get(n)) for p in points if p["anchors"].get(n) is not None]
                if pts:
                    ax.plot([x for x, _ in pts], [y for _, y in pts], marker="s", linestyle="--", label=n)
            if curve.get("log_x"):
                ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(curve["x_label"])
            ax.set_ylabel(curve["y_label"])
            ax.set_title(curve["title"], fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
            # The case's own run: cases may come from different runs of the harness.
            load = (case.get("loadavg_at_start") or machine["loadavg_start"])[0]
            when = (case.get("run_date") or machine["date"])[:16]
            fig.text(
                0.99, 0.01,
                "%s, %d cores, load %.1f at the case's start%s" % (when, machine["nproc"], load, " (smoke)" if results.get("smoke") else ""),
                ha="right", fontsize=7, color="gray",
            )
            fig.tight_layout()
            path = os.path.join(out_dir, "%s.png" % curve["id"])
            fig.savefig(path)
            plt.close(fig)
            print(path)


if __name__ == "__main__":
    main()
