#!/usr/bin/env bash
# Learning benchmark (issue: learning). A synthetic binary task, 200,000 rows × 28 numeric features
# (scikit-learn's make_classification, seed 0), stored once as HDF5; the first 80% of rows train and the
# rest test. In one run, on both cores, it times:
#   gbm (100 trees, 31 leaves, rate 0.1, min_leaf 20, 255 bins) beside LightGBM with the same settings
#   (best of 3 runs each, as for logistic; one run of each forest),
#   logistic beside scikit-learn's LogisticRegression (lbfgs), and forest (100 trees) beside
#   scikit-learn's RandomForestClassifier(n_jobs=2); with each one's test AUC and the ratios,
#   and gbm's peak memory against the raw float64 matrix: the whole process's maximum resident set, and
#   the peak while training (labbook-bench resets the peak after loading and splitting).
# The peers are installed into benchmarks/.venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
py=benchmarks/.venv/bin/python
if [ ! -x "$py" ]; then python3 -m venv benchmarks/.venv; fi
$py -c "import sklearn, lightgbm, h5py" 2>/dev/null || benchmarks/.venv/bin/pip install --quiet --disable-pip-version-check h5py pandas numpy scikit-learn lightgbm
mkdir -p benchmarks/data
if [ ! -f benchmarks/data/synthetic.h5 ]; then
  $py - <<'PY'
import h5py
from sklearn.datasets import make_classification
x, y = make_classification(n_samples=200_000, n_features=28, n_informative=14, n_redundant=6, flip_y=0.05, random_state=0)
with h5py.File("benchmarks/data/synthetic.h5", "w") as f:
    d = f.create_dataset("X", data=x, chunks=(65536, 28), compression="gzip")
    d.attrs["feature_names"] = [f"f{i}" for i in range(28)]
    f.create_dataset("y", data=y.astype("int64"))
PY
fi
swift build -c release --product labbook-bench >/dev/null 2>&1 || swift build -c release --target labbook-bench >/dev/null
results=$(mktemp)
# gbm and logistic: best of 3 runs (this machine's timings vary by ±20% between runs); forest: one run.
for learner in gbm gbm gbm logistic logistic logistic forest; do
  /usr/bin/time -f "labbook_${learner}_peak_rss_kb %M" .build/release/labbook-bench learn benchmarks/data/synthetic.h5 $learner 2>>"$results" >>"$results"
done
$py - "$results" <<'PY'
import sys, time, resource
import h5py, numpy as np, lightgbm as lgb
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ours = {}
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    key, value = line.split()[:2]
    # Keep the best (smallest) time and the largest memory over repeated runs.
    if key.endswith("_seconds"):
        ours[key] = str(min(float(value), float(ours.get(key, "inf"))))
    elif key.endswith("_rss_kb"):
        ours[key] = str(max(float(value), float(ours.get(key, "0"))))
    else:
        ours[key] = value
with h5py.File("benchmarks/data/synthetic.h5") as f:
    x, y = f["X"][:], f["y"][:]
cut = len(y) * 4 // 5
xt, yt, xv, yv = x[:cut], y[:cut], x[cut:], y[cut:]
peers = {}
def timed(name, fit, predict, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter(); model = fit(); best = min(best, time.perf_counter() - start)
    peers[name + "_train_seconds"] = best
    peers[name + "_test_auc"] = roc_auc_score(yv, predict(model))
timed("lightgbm", lambda: lgb.train({"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": 20,
        "max_bin": 255, "num_threads": 2, "verbose": -1}, lgb.Dataset(xt, yt), num_boost_round=100), lambda m: m.predict(xv))
timed("sklearn_logistic", lambda: LogisticRegression().fit(xt, yt), lambda m: m.predict_proba(xv)[:, 1])
timed("sklearn_forest", lambda: RandomForestClassifier(n_jobs=2, random_state=0).fit(xt, yt), lambda m: m.predict_proba(xv)[:, 1], repeats=1)
raw_mb = x.nbytes / 1e6
rows = [("gbm", "lightgbm"), ("logistic", "sklearn_logistic"), ("forest", "sklearn_forest")]
print(f"{'learner':10} {'labbook s':>10} {'peer s':>8} {'ratio':>6} {'labbook AUC':>12} {'peer AUC':>9}")
for mine, peer in rows:
    a, b = float(ours[f"labbook_{mine}_train_seconds"]), peers[f"{peer}_train_seconds"]
    print(f"{mine:10} {a:10.2f} {b:8.2f} {a / b:6.2f} {float(ours[f'labbook_{mine}_test_auc']):12.4f} {peers[f'{peer}_test_auc']:9.4f}")
rss = float(ours["labbook_gbm_peak_rss_kb"]) / 1000
print(f"gbm peak memory, whole process (load, split, train, evaluate): {rss:.0f} MB = {rss / raw_mb:.2f} x the raw float64 matrix ({raw_mb:.0f} MB)")
if "labbook_gbm_training_peak_rss_kb" in ours:
    training = float(ours["labbook_gbm_training_peak_rss_kb"]) / 1000
    print(f"gbm peak memory while training (data loaded and split): {training:.0f} MB = {training / raw_mb:.2f} x")
PY
rm -f "$results"
