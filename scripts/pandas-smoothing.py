#!/usr/bin/env python3
# Copyright 2026 The jsonl-exporter Authors
# SPDX-License-Identifier: Apache-2.0
"""Writes what pandas and numpy compute for the plot command's options, for
TestPandasSmoothing (internal/curves). Run from the repository's root:

    python3 scripts/pandas-smoothing.py > internal/curves/testdata/pandas.json

(Debian: apt-get install python3-pandas.) The inputs are fixed, so the file
changes only with pandas' definitions.
"""
import json
import math
import sys

import numpy as np
import pandas as pd

inputs = {
    "ramp": [float(i) for i in range(12)],
    "noisy loss with a spike": [3 - 0.05 * i + 0.3 * math.sin(7 * i) for i in range(40)],
    "repeats": [5, 5, 1, 5, 1, 1, 2, 2, 9, 0, 0, 3],
}
inputs["noisy loss with a spike"][17] = 40.0

cases = []
for name, values in inputs.items():
    y = pd.Series(values, dtype="float64")
    for n in (1, 2, 3, 4, 7, 50):
        cases.append({"input": name, "n": n, "mode": "mean", "want": y.rolling(n, min_periods=1).mean().tolist()})
        cases.append({"input": name, "n": n, "mode": "centered", "want": y.rolling(n, center=True, min_periods=1).mean().tolist()})
        cases.append({"input": name, "n": n, "mode": "ema", "want": y.ewm(span=n, adjust=True).mean().tolist()})
        cases.append({"input": name, "n": n, "mode": "median", "want": y.rolling(n, min_periods=1).median().tolist()})
    for n in (2, 3, 5):
        down = y.groupby(y.index // n).mean()
        cases.append({"input": name, "n": n, "mode": "downsample", "want": down.tolist()})
    for p in (0, 1, 5, 25, 50, 90, 99, 100):
        cases.append({"input": name, "n": 0, "p": p, "mode": "percentile", "want": [float(np.percentile(values, p))]})

json.dump({"pandas": pd.__version__, "numpy": np.__version__, "inputs": inputs, "cases": cases}, sys.stdout, indent=1)
sys.stdout.write("\n")
