#!/usr/bin/env bash
# Load benchmark (issue: walking skeleton). Generates a 1,000,000 × 8 float64 dataset, chunked and
# deflate-compressed, plus a CSV of the same values; then times, in one run on the same files:
#   Labbook's HDF5 load and CSV import (release build, best of 5),
#   h5py's  f["X"][:], pandas' read_csv and pyarrow's csv.read_csv (best of 5),
#   and the time from process start to the REPL being ready to read (best of 20).
# h5py, numpy and pandas are installed into benchmarks/.venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
py=benchmarks/.venv/bin/python
[ -x "$py" ] || python3 -m venv benchmarks/.venv
$py -c "import h5py, pandas, numpy, pyarrow" 2>/dev/null ||
  benchmarks/.venv/bin/pip install --quiet --disable-pip-version-check h5py pandas numpy pyarrow
mkdir -p benchmarks/data
if [ ! -f benchmarks/data/matrix.h5 ]; then
  $py - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(7)
x = rng.standard_normal((1_000_000, 8))
with h5py.File("benchmarks/data/matrix.h5", "w") as f:
    d = f.create_dataset("X", data=x, chunks=(65536, 8), compression="gzip", compression_opts=4)
    d.attrs["feature_names"] = [f"f{i}" for i in range(8)]
np.savetxt("benchmarks/data/matrix.csv", x, delimiter=",", header=",".join(f"f{i}" for i in range(8)), comments="", fmt="%.17g")
PY
fi
if [ ! -f benchmarks/data/compound.h5 ]; then
  $py - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(7)
x = rng.standard_normal((1_000_000, 8))
# The same values as a compound dataset of 8 float64 fields (gzip, chunks of 65,536 records), as a
# contiguous uncompressed matrix, and a 200,000-row table of three string columns and one number.
records = np.empty(1_000_000, dtype=[(f"f{i}", "<f8") for i in range(8)])
for i in range(8):
    records[f"f{i}"] = x[:, i]
with h5py.File("benchmarks/data/compound.h5", "w") as f:
    f.create_dataset("records", data=records, chunks=(65536,), compression="gzip", compression_opts=4)
with h5py.File("benchmarks/data/contiguous.h5", "w") as f:
    d = f.create_dataset("X", data=x)
    d.attrs["feature_names"] = [f"f{i}" for i in range(8)]
n = 200_000
words = np.array([f"level-{i:04d}" for i in range(1000)], dtype=object)
with h5py.File("benchmarks/data/strings.h5", "w") as f:
    g = f.create_group("t")
    text = h5py.string_dtype("utf-8")
    for name, size in [("city", 1000), ("segment", 12), ("code", 300)]:
        g.create_dataset(name, data=words[rng.integers(0, size, n)].astype(text), chunks=(65536,), compression="gzip")
    g.create_dataset("amount", data=rng.standard_normal(n), chunks=(65536,), compression="gzip")
PY
fi
swift build -c release --product labbook >/dev/null
swift build -c release --product labbook-bench >/dev/null 2>&1 || swift build -c release --target labbook-bench >/dev/null
echo "== load 1,000,000 x 8 float64 (seconds, best of 5)"
.build/release/labbook-bench load benchmarks/data/matrix.h5 benchmarks/data/matrix.csv 5
echo "== load 1,000,000 records of 8 float64 fields (compound, gzip), the matrix stored contiguous, and a"
echo "   200,000-row table of 3 string columns: load and content hash (seconds, best of 5)"
.build/release/labbook-bench table benchmarks/data/compound.h5 compound 5
.build/release/labbook-bench table benchmarks/data/contiguous.h5 contiguous 5
.build/release/labbook-bench table benchmarks/data/strings.h5 strings 5
echo "== the peers on the same files (seconds, best of 5)"
$py - <<'PY'
import time, h5py, pandas as pd
def best(f, n=5):
    t = float("inf")
    for _ in range(n):
        s = time.perf_counter(); f(); t = min(t, time.perf_counter() - s)
    return t
print("h5py_hdf5", best(lambda: h5py.File("benchmarks/data/matrix.h5", "r")["X"][:]))
print("pandas_csv", best(lambda: pd.read_csv("benchmarks/data/matrix.csv")))
import pyarrow.csv  # multi-threaded, like Labbook's importer
print("pyarrow_csv", best(lambda: pyarrow.csv.read_csv("benchmarks/data/matrix.csv")))
print("h5py_compound", best(lambda: h5py.File("benchmarks/data/compound.h5", "r")["records"][:]))
print("h5py_contiguous", best(lambda: h5py.File("benchmarks/data/contiguous.h5", "r")["X"][:]))
def strings():
    with h5py.File("benchmarks/data/strings.h5", "r") as f:
        return [f["t"][name][:] for name in ("city", "segment", "code", "amount")]
print("h5py_strings", best(strings))
PY
echo "== start-up to the first prompt read (seconds, best of 20)"
$py - <<'PY'
import subprocess, time
t = float("inf")
for _ in range(20):
    s = time.perf_counter()
    subprocess.run([".build/release/labbook", "--no-record"], input=b"", check=True)
    t = min(t, time.perf_counter() - s)
print("labbook_startup", t)
PY
