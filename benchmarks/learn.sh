#!/usr/bin/env bash
# Learning benchmark (issues: learning, speed). A synthetic binary task, 200,000 rows × 28 numeric features
# (scikit-learn's make_classification, seed 0), stored once as HDF5; the first 80% of rows train and the
# rest test. benchmarks/learn.py alternates, ROUNDS rounds (default 5), on both cores:
#   gbm (100 trees, 31 leaves, rate 0.1, min_leaf 20, 255 bins) beside LightGBM with the same settings and
#   scikit-learn's HistGradientBoostingClassifier; logistic beside StandardScaler + LogisticRegression
#   (lbfgs); forest (100 trees) beside RandomForestClassifier(n_jobs=2); it prints medians, the median of
#   the rounds' ratios and each one's test AUC, and gbm's peak memory against the raw float64 matrix (the
#   whole process's maximum resident set, and the peak while training: labbook-bench resets the peak
#   after loading and splitting).
# The peers are installed into benchmarks/.venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import sklearn, lightgbm, h5py" h5py pandas numpy scikit-learn lightgbm
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
$py benchmarks/learn.py "${ROUNDS:-5}"
