"""Learning benchmark rounds for benchmarks/learn.sh: Labbook's learners (labbook-bench learn, release
build, both cores) alternated round by round with their peers on the same split; each figure is the
median over the rounds and each ratio the median of the rounds' ratios.

    python benchmarks/learn.py ROUNDS

Peers: gbm beside LightGBM (same settings, num_threads=2) and scikit-learn's
HistGradientBoostingClassifier (the faster of the two is the ratio's peer); logistic beside
scikit-learn's LogisticRegression (lbfgs) after StandardScaler (Labbook's logistic standardises
internally), the scaling timed with the fit; forest (100 trees) beside RandomForestClassifier(n_jobs=2).
Also gbm's peak memory, from one run under /usr/bin/time, against the raw float64 matrix.

Each round also prints the host's steal time (CPU time the hypervisor gave to other guests while this
virtual machine wanted it; /proc/stat) during each figure. On the 2-core VMs this runs on, a slow
Labbook fit is one with steal: fourteen gbm fits in a row (2026-12-05) took 2.41 s + 0.65 s per second of
steal during the process, correlation 0.997.
"""

import os
import statistics
import subprocess
import sys
import time

import h5py
import lightgbm as lgb
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = "benchmarks/data/synthetic.h5"
BENCH = ".build/release/labbook-bench"

with h5py.File(DATA) as f:
    x, y = f["X"][:], f["y"][:]
cut = len(y) * 4 // 5
xt, yt, xv, yv = x[:cut], y[:cut], x[cut:], y[cut:]


def steal_seconds():
    """The machine's steal time so far, all CPUs (the eighth number of /proc/stat's cpu line)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def labbook(learner, timed=False):
    command = [BENCH, "learn", DATA, learner]
    if timed:
        command = ["/usr/bin/time", "-f", "labbook_peak_rss_kb %M"] + command
    stolen = steal_seconds()
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    values = {"steal": steal_seconds() - stolen}
    for line in (run.stdout + run.stderr).splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return values


def peer(fit, predict):
    stolen = steal_seconds()
    start = time.perf_counter()
    model = fit()
    seconds = time.perf_counter() - start
    return seconds, roc_auc_score(yv, predict(model)), steal_seconds() - stolen


peers = {
    "lightgbm": lambda: peer(
        lambda: lgb.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20,
                           "max_bin": 255, "num_threads": 2, "verbose": -1}, lgb.Dataset(xt, yt), num_boost_round=100),
        lambda m: m.predict(xv)),
    "sklearn_hgb": lambda: peer(
        lambda: HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=31, learning_rate=0.1, min_samples_leaf=20,
                                               early_stopping=False, random_state=0).fit(xt, yt),
        lambda m: m.predict_proba(xv)[:, 1]),
    "sklearn_logistic": lambda: peer(
        lambda: make_pipeline(StandardScaler(), LogisticRegression()).fit(xt, yt), lambda m: m.predict_proba(xv)[:, 1]),
    "sklearn_forest": lambda: peer(
        lambda: RandomForestClassifier(n_jobs=2, random_state=0).fit(xt, yt), lambda m: m.predict_proba(xv)[:, 1]),
}
plan = [("gbm", ["lightgbm", "sklearn_hgb"]), ("logistic", ["sklearn_logistic"]), ("forest", ["sklearn_forest"])]
# LEARNERS="gbm logistic" runs only those (the forest rounds take most of the time).
chosen = os.environ.get("LEARNERS", "").split()
if chosen:
    plan = [entry for entry in plan if entry[0] in chosen]
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
seconds = {}
auc = {}
for r in range(rounds):
    figures = []
    for learner, names in plan:
        values = labbook(learner)
        seconds.setdefault(learner, []).append(values[f"labbook_{learner}_train_seconds"])
        auc[learner] = values[f"labbook_{learner}_test_auc"]
        figures.append(f"{learner} {seconds[learner][-1]:.2f} s (steal {values['steal']:.2f} s, whole process)")
        for name in names:
            s, a, stolen = peers[name]()
            seconds.setdefault(name, []).append(s)
            auc[name] = a
            figures.append(f"{name} {s:.2f} s (steal {stolen:.2f} s)")
    print(f"round {r + 1} of {rounds}: " + "; ".join(figures), file=sys.stderr)

median = {k: statistics.median(v) for k, v in seconds.items()}
print(f"median of {rounds} alternated rounds; ratio = median of the rounds' ratios to the fastest peer of each round\n")
print("| learner | Labbook | peers | ratio | Labbook AUC | peer AUC |")
print("| --- | --- | --- | --- | --- | --- |")
for learner, names in plan:
    ratios = [seconds[learner][r] / min(seconds[n][r] for n in names) for r in range(rounds)]
    peer_text = "; ".join(f"{n} {median[n]:.2f} s" for n in names)
    peer_auc = "; ".join(f"{auc[n]:.4f}" for n in names)
    print(f"| `{learner}` | {median[learner]:.2f} s | {peer_text} | {statistics.median(ratios):.2f}× | "
          f"{auc[learner]:.4f} | {peer_auc} |")
memory = labbook("gbm", timed=True)
raw_mb = x.nbytes / 1e6
rss = memory["labbook_peak_rss_kb"] / 1000
print(f"\ngbm peak memory, whole process (load, split, train, evaluate): {rss:.0f} MB = {rss / raw_mb:.2f} x the raw "
      f"float64 matrix ({raw_mb:.0f} MB)")
if "labbook_gbm_training_peak_rss_kb" in memory:
    training = memory["labbook_gbm_training_peak_rss_kb"] / 1000
    print(f"gbm peak memory while training (data loaded and split): {training:.0f} MB = {training / raw_mb:.2f} x")
