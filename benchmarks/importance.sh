#!/usr/bin/env bash
# Permutation importance benchmark (issue: speed). A synthetic binary task, 60,000 rows × 20 features
# (scikit-learn's make_classification, seed 1): a gbm (100 trees, 31 leaves, rate 0.1) is trained on the
# first 10,000 rows, then the importance of every feature is measured on the other 50,000 with 5 shuffles
# each. Peer: LightGBM with the same settings and scikit-learn's permutation_importance (n_jobs=2,
# accuracy, as Labbook scores classification). Only the importance is timed. ROUNDS rounds (default 5)
# alternate the two; the medians and the median of the rounds' ratios are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import sklearn, lightgbm, h5py" h5py pandas numpy scikit-learn lightgbm
mkdir -p benchmarks/data
if [ ! -f benchmarks/data/importance.h5 ]; then
  $py - <<'PY'
import h5py
from sklearn.datasets import make_classification
x, y = make_classification(n_samples=60_000, n_features=20, n_informative=10, n_redundant=4, flip_y=0.05, random_state=1)
with h5py.File("benchmarks/data/importance.h5", "w") as f:
    d = f.create_dataset("X", data=x, chunks=(16384, 20), compression="gzip")
    d.attrs["feature_names"] = [f"f{i}" for i in range(20)]
    f.create_dataset("y", data=y.astype("int64"))
PY
fi
swift build -c release --product labbook-bench >/dev/null 2>&1 || swift build -c release --target labbook-bench >/dev/null
$py - "${ROUNDS:-5}" <<'PY'
import statistics, subprocess, sys, time
import h5py, lightgbm as lgb
from sklearn.inspection import permutation_importance

with h5py.File("benchmarks/data/importance.h5", "r") as f:
    x, y = f["X"][:], f["y"][:]
model = lgb.LGBMClassifier(n_estimators=100, num_leaves=31, learning_rate=0.1, min_child_samples=20, n_jobs=2, verbose=-1)
model.fit(x[:10_000], y[:10_000])
ours, peer, ratios = [], [], []
for r in range(int(sys.argv[1])):
    out = subprocess.run([".build/release/labbook-bench", "importance", "benchmarks/data/importance.h5", "5"],
                         check=True, capture_output=True, text=True).stdout
    values = dict(line.split() for line in out.splitlines() if line.strip())
    ours.append(float(values["labbook_importance_seconds"]))
    s = time.perf_counter()
    result = permutation_importance(model, x[10_000:], y[10_000:], n_repeats=5, n_jobs=2, random_state=0)
    peer.append(time.perf_counter() - s)
    ratios.append(ours[-1] / peer[-1])
    print(f"round {r + 1}: Labbook {ours[-1]:.3f} s (largest drop {float(values['labbook_importance_top_drop']):.4f}), "
          f"scikit-learn {peer[-1]:.3f} s (largest drop {result.importances_mean.max():.4f})", file=sys.stderr)
print(f"| `importance` of a gbm, 50k × 20, 5 repeats | {statistics.median(ours):.3f} s | scikit-learn "
      f"permutation_importance (LightGBM, n_jobs=2) {statistics.median(peer):.3f} s | {statistics.median(ratios):.2f}× |")
PY
