#!/usr/bin/env python3
# Copyright 2026 The jsonl-exporter Authors
# SPDX-License-Identifier: Apache-2.0
"""Draw the same logs with matplotlib's defaults and with `jsonl-exporter
plot`, side by side, into docs/img/compare-*.png (docs/plot.md shows
them), and redraw the README's image, docs/img/plot-demo.png:

    scripts/compare-matplotlib.py            # about a minute
    DEMO_SECONDS=60 scripts/compare-matplotlib.py

It needs Go, and pandas and matplotlib for the Python that runs it. On
Debian or Ubuntu: `apt-get install -y python3-matplotlib python3-pandas`
(then run it with /usr/bin/python3 if another python3 comes first on
PATH); elsewhere `pip install matplotlib pandas`. CI does not run it.

The logs, in a temporary folder:
  * demo: the demo's runs after DEMO_SECONDS (default 30) at
    --demo.interval 10ms, as the README's image is made;
  * detectron2: two runs in detectron2's metrics.json form, a training
    line every 20 iterations and a bbox/AP line every 2,500 (a sparse
    panel whose points sit in the corners);
  * resumed: a run logged to step 299 and resumed from its step-200
    checkpoint, and a second run whose learning rate is 300 times
    smaller.

For each, `plot --csv` writes the points it draws (x as drawn, raw and
smoothed values); matplotlib draws those same points as the seed's
Python script did: pandas, one subplot per metric, one line per run, the
raw values faint under the rolling mean when smoothed, its defaults for
everything else. So the two images differ in the drawing only; but for
the resumed run, which matplotlib reads from the log with pandas as the
seed's script did (plot's table has the resumed part in place already).
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    import pandas as pd
except ImportError as err:
    sys.exit(f"{err}: apt-get install -y python3-matplotlib python3-pandas (or pip install matplotlib pandas)")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMG = os.path.join(REPO, "docs", "img")


def run(*args, **kw):
    print("+", " ".join(args), file=sys.stderr)
    return subprocess.run(args, check=True, **kw)


def demo_logs(binary, root):
    """The demo's runs after DEMO_SECONDS at 10 ms a step."""
    seconds = int(os.environ.get("DEMO_SECONDS", "30"))
    proc = subprocess.Popen([binary, "demo", "--demo.dir", root, "--demo.interval", "10ms",
                             "--web.listen-address", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait()
    return [os.path.join(root, r) for r in ("bert-base-lr3e-4", "resnet50-bs256", "gpt2-small-warmup")]


def detectron2_logs(root):
    """Two detectron2 runs: training lines and a sparse bbox/AP."""
    rnd = random.Random(2)
    paths = []
    for name, ap_end, lr in (("retinanet_R_50", 38.5, 0.01), ("faster_rcnn_R_50", 40.2, 0.02)):
        path = os.path.join(root, name, "metrics.json")
        os.makedirs(os.path.dirname(path))
        with open(path, "w") as f:
            for it in range(19, 20000, 20):
                warm = min(1, (it + 1) / 1000)
                loss = 0.45 + 1.6 * math.exp(-it / 3000) + 0.08 * rnd.gauss(0, 1)
                f.write(json.dumps({"iteration": it, "total_loss": round(loss, 4), "lr": lr * warm * (0.1 if it > 16000 else 1),
                                    "time": round(0.35 + 0.02 * rnd.random(), 4), "data_time": 0.004}) + "\n")
                if (it + 1) % 2500 == 0:
                    ap = ap_end * (1 - math.exp(-(it + 1) / 4000)) + rnd.gauss(0, 0.4)
                    f.write(json.dumps({"iteration": it, "bbox/AP": round(ap, 3), "bbox/AP50": round(ap * 1.55, 3)}) + "\n")
        paths.append(path)
    return paths


def resumed_logs(root):
    """A run resumed from step 200 after step 299; another with a 300 times smaller learning rate."""
    rnd = random.Random(3)
    paths = []
    for name, lr in (("bert-resumed", 3e-4), ("bert-lr1e-6", 1e-6)):
        path = os.path.join(root, name, "logs", "metrics.jsonl")
        os.makedirs(os.path.dirname(path))
        steps = list(range(300)) + (list(range(200, 600)) if name == "bert-resumed" else list(range(300, 600)))
        with open(path, "w") as f:
            for i, step in enumerate(steps):
                resumed = name == "bert-resumed" and i >= 300
                loss = 2.2 + 4 * math.exp(-step / 120) + (0.35 if resumed else 0) * math.exp(-(step - 200) / 80) + 0.12 * rnd.gauss(0, 1)
                f.write(json.dumps({"step": step, "train/loss": round(loss, 4),
                                    "train/lr": lr * min(1, (step + 1) / 30) * (1 - step / 700)}) + "\n")
        paths.append(path)
    return paths


def plot_and_table(binary, inputs, args, png, csv):
    out = run(binary, "plot", "--input", *inputs, *args, "--out", png, "--csv", csv,
              capture_output=True, text=True).stdout
    return out.rsplit(" by ", 1)[1].strip()  # the x axis drawn


def table_from_logs(inputs, metrics, smooth):
    """The seed script's reading: pandas' read_json of each JSON Lines
    log, a metric's rows in file order against their step (a resumed
    run's line goes back), a trailing rolling mean."""
    frames = []
    for path in inputs:
        log = pd.read_json(path, lines=True)
        name = os.path.basename(os.path.dirname(os.path.dirname(path)))
        for metric in metrics:
            rows = log[log[metric.replace(".", "/")].notna()]
            values = rows[metric.replace(".", "/")]
            frames.append(pd.DataFrame({"run": name, "metric": metric, "x": rows["step"], "raw": values,
                                        "smoothed": values.rolling(smooth, min_periods=1).mean()}))
    return pd.concat(frames)


def matplotlib_like_seed(df, xlabel, out, width, height):
    """pandas + matplotlib with its defaults: a subplot per metric, a line per run."""
    metrics = list(dict.fromkeys(df["metric"]))
    cols = 1 if len(metrics) == 1 else 2
    rows = (len(metrics) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width / 100, height / 100), dpi=100, squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for run_name, rows_ in df[df["metric"] == metric].groupby("run", sort=False):
            if rows_["smoothed"].notna().any():
                line, = ax.plot(rows_["x"], rows_["raw"], alpha=0.3, linewidth=0.6)
                ax.plot(rows_["x"], rows_["smoothed"], color=line.get_color(), label=run_name)
            else:
                ax.plot(rows_["x"], rows_["raw"], label=run_name)
        ax.set_title(metric)
        ax.set_xlabel(xlabel)
        ax.legend()
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def side_by_side(left, right, out):
    a, b = mpimg.imread(left), mpimg.imread(right)
    h = max(a.shape[0], b.shape[0]) + 40
    w = a.shape[1] + b.shape[1]
    fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
    for i, (img, title) in enumerate(((a, "matplotlib, its defaults (pandas, a subplot per metric)"), (b, "jsonl-exporter plot"))):
        ax = fig.add_axes((i * a.shape[1] / w, 0, img.shape[1] / w, img.shape[0] / h))
        ax.imshow(img)
        ax.set_axis_off()
        fig.text((i * a.shape[1] + img.shape[1] / 2) / w, 1 - 12 / h, title, ha="center", va="top", fontsize=14)
    fig.savefig(out)
    plt.close(fig)


def main():
    tmp = tempfile.mkdtemp(prefix="compare-matplotlib-")
    try:
        binary = os.path.join(tmp, "jsonl-exporter")
        run("go", "build", "-o", binary, "./cmd/jsonl-exporter", cwd=REPO)
        demo = demo_logs(binary, os.path.join(tmp, "demo"))
        # The README's image, with the command the README gives.
        run(binary, "plot", "--input", *demo, "--smooth", "5", "--smooth-mode", "centered",
            "--out", os.path.join(IMG, "plot-demo.png"), capture_output=True)
        cases = [
            ("demo", demo, ["--metrics", "train.loss", "val.loss", "val.accuracy", "train.lr", "--smooth", "50"], 780, None),
            ("detectron2", detectron2_logs(os.path.join(tmp, "d2")), ["--metrics", "total_loss", "bbox/AP"], 420, None),
            # matplotlib reads this log itself, as the seed's script did:
            # plot's table has the resumed part in place already.
            ("resumed", resumed_logs(os.path.join(tmp, "resumed")), ["--metrics", "train.loss", "train.lr", "--smooth", "20"], 420,
             (["train.loss", "train.lr"], 20)),
        ]
        for name, inputs, args, height, from_logs in cases:
            width = 1200
            ours, theirs, csv = (os.path.join(tmp, f"{name}-{k}") for k in ("plot.png", "mpl.png", "points.csv"))
            xlabel = plot_and_table(binary, inputs, args + ["--width", str(width), "--height", str(height)], ours, csv)
            df = table_from_logs(inputs, *from_logs) if from_logs else pd.read_csv(csv)
            matplotlib_like_seed(df, xlabel, theirs, width, height)
            side_by_side(theirs, ours, os.path.join(IMG, f"compare-{name}.png"))
            print(f"wrote docs/img/compare-{name}.png", file=sys.stderr)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
