#!/usr/bin/env python3
# Copyright 2026 The jsonl-exporter Authors
# SPDX-License-Identifier: Apache-2.0
"""The pandas + matplotlib way of plotting a training log, as the Python
scripts users bring do it, to compare with `jsonl-exporter plot`
(docs/performance.md, "Offline plots"):

    python3 scripts/plot-pandas.py LOG.jsonl OUT.png [SMOOTH]

It reads every line into a DataFrame, keeps the rows with a training loss,
and draws the loss (raw and a trailing rolling mean), the validation loss
and accuracy, and the learning rate against the step.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

log, out = sys.argv[1], sys.argv[2]
smooth = int(sys.argv[3]) if len(sys.argv) > 3 else 100

df = pd.read_json(log, lines=True)
fig, axes = plt.subplots(2, 2, figsize=(12, 7.8), dpi=100)
for ax, key in zip(axes.flat, ["train/loss", "val/loss", "val/accuracy", "train/lr"]):
    if key not in df:
        continue
    rows = df[df[key].notna()]
    ax.plot(rows["step"], rows[key], alpha=0.3, linewidth=0.6)
    if key.startswith("train/"):
        ax.plot(rows["step"], rows[key].rolling(smooth, min_periods=1).mean())
    ax.set_title(key)
    ax.set_xlabel("step")
fig.tight_layout()
fig.savefig(out)
