#!/usr/bin/env bash
# AutoML benchmark (issue: AutoML): Labbook's `automl` beside FLAML on the bundled datasets, with the
# fixed 80/20 split of Tests/Fixtures/sklearn_reference.json, both on 2 cores, budgets of 1, 3 and 10
# seconds, seeds 0, 1 and 2. Each run prints the test score (accuracy; r2 for diabetes) of the refitted
# best model; the table gives the mean over seeds per dataset and budget, side by side.
# FLAML is installed into benchmarks/.venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import flaml, lightgbm, xgboost" "flaml[automl]" pandas
swift build -c release --product labbook-bench >/dev/null 2>&1 || swift build -c release --product labbook-bench >/dev/null
results=$(mktemp)
budgets=${BUDGETS:-"1 3 10"}
seeds=${SEEDS:-"0 1 2"}
for budget in $budgets; do
  for dataset in iris wine breast_cancer german_credit diabetes; do
    for seed in $seeds; do
      .build/release/labbook-bench automl "$dataset" "$budget" "$seed" >>"$results"
      $py benchmarks/automl_peer.py "$dataset" "$budget" "$seed" 2>/dev/null >>"$results"
    done
  done
done
$py - "$results" <<'PY'
import sys, collections
runs = collections.defaultdict(list)
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tool, dataset, budget, seed, score, elapsed = line.split()[:6]
    runs[(tool, dataset, float(budget))].append(float(score))
    times[(tool, dataset, float(budget))].append(float(elapsed))
budgets = sorted({b for _, _, b in runs})
datasets = ["iris", "wine", "breast_cancer", "german_credit", "diabetes"]
print(f"{'dataset':14} {'budget':>6} {'labbook':>8} {'flaml':>8} {'diff':>7} {'labbook s':>9} {'flaml s':>8}")
for budget in budgets:
    wins = 0
    worst = 0.0
    for d in datasets:
        l = sum(runs[("labbook", d, budget)]) / len(runs[("labbook", d, budget)])
        f = sum(runs[("flaml", d, budget)]) / len(runs[("flaml", d, budget)])
        lt = max(times[("labbook", d, budget)])
        ft = max(times[("flaml", d, budget)])
        wins += l >= f - 1e-9
        worst = min(worst, l - f)
        print(f"{d:14} {budget:6.0f} {l:8.4f} {f:8.4f} {l - f:+7.4f} {lt:9.2f} {ft:8.2f}")
    print(f"budget {budget:.0f}s: Labbook's mean at least FLAML's on {wins} of 5 datasets; worst gap {worst:+.4f}")
PY
rm -f "$results"
