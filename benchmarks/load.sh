#!/usr/bin/env bash
# Load benchmark (issues: walking skeleton, speed). Generates a 1,000,000 × 8 float64 dataset, chunked and
# deflate-compressed, the same as compound records and as a contiguous matrix, a 200,000-row string
# table, and a CSV of the matrix; then benchmarks/load.py alternates Labbook (release build) with h5py,
# pandas and pyarrow on the same files, ROUNDS rounds (default 5), and prints medians and the median of
# the rounds' ratios, with the physical floors (zlib inflate on one core, faulting in fresh memory);
# last, the time from process start to the REPL being ready to read (best of 20).
# h5py, numpy, pandas and pyarrow are installed into benchmarks/.venv (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/peers.sh
peers "import h5py, pandas, numpy, pyarrow" h5py pandas numpy pyarrow
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
# labbook-bench times the reader alone; its session-load runs the labbook executable as a session does.
swift build -c release --product labbook-bench >/dev/null 2>&1 || swift build -c release --target labbook-bench >/dev/null
echo "== Labbook and its peers alternated, on the same files (benchmarks/load.py)"
$py benchmarks/load.py "${ROUNDS:-5}"
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
