"""Load benchmark rounds for benchmarks/load.sh: Labbook (labbook-bench, release build) and its peers
(h5py, pandas, pyarrow) alternated, round after round, on the same files; each figure is the median
over the rounds of a best-of-3 within the round, and each ratio the median of the rounds' ratios.

    python benchmarks/load.py ROUNDS

Also measured, as the physical limits beside the ratios: zlib inflating the matrix's own chunks on
one core (the floor of a gzip HDF5 read), and writing 64 MB of fresh memory (page faults included),
with ordinary 4 KiB pages and with the transparent huge pages NumPy asks for on large arrays.
"""

import statistics
import subprocess
import sys
import time
import zlib

import h5py
import numpy as np
import pandas as pd
import pyarrow.csv

try:
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # NumPy 1.x
    from numpy.core.multiarray import _set_madvise_hugepage

DATA = "benchmarks/data/"
BENCH = ".build/release/labbook-bench"
LABBOOK = ".build/release/labbook"


def best(f, n=3):
    t = float("inf")
    for _ in range(n):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    return t


def labbook(*arguments):
    out = subprocess.run([BENCH, *arguments], check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def h5py_read(path, name):
    with h5py.File(path, "r") as f:
        return f[name][:]


def h5py_strings():
    with h5py.File(DATA + "strings.h5", "r") as f:
        return [f["t"][name][:] for name in ("city", "segment", "code", "amount")]


def with_huge_pages(on, f):
    previous = _set_madvise_hugepage(on)
    try:
        return f()
    finally:
        _set_madvise_hugepage(previous)


def inflate_seconds():
    """zlib inflating every chunk of the gzip matrix, one core: the floor of reading it."""
    chunks = []
    with h5py.File(DATA + "matrix.h5", "r") as f:
        d = f["X"]
        for info in (d.id.get_chunk_info(i) for i in range(d.id.get_num_chunks())):
            chunks.append(d.id.read_direct_chunk(info.chunk_offset)[1])
    inflated = sum(len(zlib.decompress(c)) for c in chunks)
    return best(lambda: [zlib.decompress(c) for c in chunks]), inflated


def fresh_memory_seconds(huge):
    """Writing 64 MB of newly allocated memory once: page faults and the write."""
    def touch():
        a = np.empty(8_000_000)
        a.fill(1.0)
    return with_huge_pages(huge, lambda: best(touch))


rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
samples = {}


def note(key, value):
    samples.setdefault(key, []).append(value)


for r in range(rounds):
    for k, v in labbook("load", DATA + "matrix.h5", DATA + "matrix.csv", "3").items():
        note(k, v)
    for label in ("compound", "contiguous", "strings"):
        for k, v in labbook("table", DATA + label + ".h5", label, "3").items():
            note(k, v)
    for label in ("contiguous", "matrix"):
        for k, v in labbook("session-load", DATA + label + ".h5", LABBOOK, "3").items():
            note(k.replace("session", "session_" + label), v)
    note("h5py_hdf5", best(lambda: h5py_read(DATA + "matrix.h5", "X")))
    note("h5py_compound", best(lambda: h5py_read(DATA + "compound.h5", "records")))
    note("h5py_contiguous", best(lambda: h5py_read(DATA + "contiguous.h5", "X")))
    note("h5py_contiguous_4k", with_huge_pages(False, lambda: best(lambda: h5py_read(DATA + "contiguous.h5", "X"))))
    note("h5py_strings", best(h5py_strings))
    note("pandas_csv", best(lambda: pd.read_csv(DATA + "matrix.csv")))
    note("pyarrow_csv", best(lambda: pyarrow.csv.read_csv(DATA + "matrix.csv")))
    seconds, inflated = inflate_seconds()
    note("zlib_inflate", seconds)
    note("fresh_64mb_4k", fresh_memory_seconds(False))
    note("fresh_64mb_huge", fresh_memory_seconds(True))
    print(f"round {r + 1} of {rounds} done", file=sys.stderr)

median = {k: statistics.median(v) for k, v in samples.items()}


def ratio(ours, peer):
    return statistics.median(a / b for a, b in zip(samples[ours], samples[peer]))


def row(task, ours, peer_label, peer, goal=""):
    print(f"| {task} | {median[ours]:.3f} s | {peer_label} {median[peer]:.3f} s | {ratio(ours, peer):.2f}× {goal}|")


print(f"median of {rounds} alternated rounds (each a best of 3)\n")
print("| task | Labbook | peer | ratio (median of the rounds') |")
print("| --- | --- | --- | --- |")
row("HDF5 matrix 1M × 8, chunked gzip, in-process read", "labbook_hdf5", "h5py", "h5py_hdf5", "(goal ≤ 1.0×)")
print(f"| of which libhdf5 inflating into one buffer | {median['labbook_hdf5_raw_read']:.3f} s | zlib alone, one core: "
      f"{median['zlib_inflate']:.3f} s ({inflated / median['zlib_inflate'] / 1e6:.0f} MB/s of output) | |")
row("compound 1M × 8 fields, gzip", "labbook_compound_load", "h5py", "h5py_compound", "(goal ≤ 1.0×)")
row("contiguous 1M × 8, uncompressed", "labbook_contiguous_load", "h5py (NumPy's huge pages)", "h5py_contiguous",
    "(goal ≤ 1.2×)")
row("the same, like for like", "labbook_contiguous_load", "h5py, NumPy's huge pages off", "h5py_contiguous_4k")
print(f"| floor: writing 64 MB of fresh memory | | 4 KiB pages {median['fresh_64mb_4k']:.3f} s; huge pages "
      f"{median['fresh_64mb_huge']:.3f} s | |")
row("200k-row table of 3 string columns", "labbook_strings_load", "h5py (bytes not decoded)", "h5py_strings")
print(f"| content hash of the string table | {median['labbook_strings_hash']:.3f} s "
      f"({median['labbook_strings_hash'] / median['labbook_strings_load']:.0%} of its load) | | goal ≤ 10% |")
row("CSV import, 1M × 8, 17-digit numbers", "labbook_csv", "pandas read_csv", "pandas_csv", "(goal ≤ 1.0×)")
row("the same", "labbook_csv", "pyarrow csv.read_csv", "pyarrow_csv")
print(f"| of which, each alone: parsing the file's bytes (in memory) {median['labbook_csv_parse']:.3f} s, "
      f"its SHA-256 {median['labbook_csv_hash']:.3f} s (one core; pandas and pyarrow do not hash) | | | |")
for label, peer in (("contiguous", "h5py_contiguous"), ("matrix", "h5py_hdf5")):
    read, content = median[f"labbook_session_{label}_read"], median[f"labbook_session_{label}_content_hash"]
    file_hash = median[f"labbook_session_{label}_file_hash"]
    total = max(read, file_hash) + content
    print(f"| a session's `load` of the {label} file: reader process and pipe {read:.3f} s, file hash "
          f"{file_hash:.3f} s (beside the read), content hash {content:.3f} s "
          f"| {total:.3f} s | h5py {median[peer]:.3f} s | {total / median[peer]:.1f}× |")
