"""Deterministic A/B of a change to the AutoML search (benchmarks/automl_study.sh): the search on every
panel split with a budget in trials (not seconds), one thread, so a result depends only on the code, not
on the machine's load; then each split's test score, paired between two builds (or two search versions).
Run-to-run noise of a timed search (0.01-0.08 on the small tables) does not enter; what remains is the
noise of the splits themselves, which the pairing and the 63 splits average over.

  automl_study.py run DIR BENCH TRIALS OUT [NAME...]
                                     labbook-bench automl-study on DIR's panel splits (seeds 0-2), one line
                                     per split appended to OUT: "NAME SEED SECONDS {json}"; $SEARCH_VERSION
                                     passes through (an older search, as a notebook recorded it)
  automl_study.py compare A B        per dataset and overall: B's test score minus A's, on the splits both hold
"""
import collections
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from automl_panel import PANEL, SEEDS  # noqa: E402


def run(directory, bench, trials, out, names):
    spec = json.load(open(f"{directory}/panel.json"))
    environment = dict(os.environ, LABBOOK_THREADS="1")
    for name in names or list(PANEL):
        metric = "accuracy" if spec[name]["task"] == "classification" else "r2"
        for seed in SEEDS:
            start = time.perf_counter()
            result = subprocess.run(
                [bench, "automl-study", f"{directory}/{name}-{seed}-train.csv", f"{directory}/{name}-{seed}-test.csv",
                 spec[name]["target"], metric, str(trials), str(seed), "0"],
                capture_output=True, text=True, env=environment)
            lines = result.stdout.strip().splitlines()
            if result.returncode != 0 or not lines:
                print(f"{name} {seed}: failed: {result.stderr.strip()[:300]}", file=sys.stderr)
                continue
            line = f"{name} {seed} {time.perf_counter() - start:.1f} {lines[-1]}"
            print(line, flush=True)
            with open(out, "a") as f:
                f.write(line + "\n")


def load(path):
    scores = {}
    for line in open(path):
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[3].startswith("{"):
            scores[(parts[0], parts[1])] = json.loads(parts[3])["test"]
    return scores


def compare(first, second):
    a, b = load(first), load(second)
    keys = [k for k in a if k in b]
    per = collections.defaultdict(list)
    for key in keys:
        per[key[0]].append(b[key] - a[key])
    for name, diffs in per.items():
        print(f"{name:14} {statistics.mean(diffs):+.4f}  " + " ".join(f"{d:+.3f}" for d in diffs))
    diffs = [b[k] - a[k] for k in keys]
    if len(diffs) > 1:
        means = [statistics.mean(d) for d in per.values()]
        print(f"{len(diffs)} splits: better {sum(d > 1e-9 for d in diffs)}, worse {sum(d < -1e-9 for d in diffs)}, "
              f"same {sum(abs(d) <= 1e-9 for d in diffs)}; mean {statistics.mean(diffs):+.4f} "
              f"(standard error {statistics.stdev(diffs) / len(diffs) ** 0.5:.4f}); "
              f"{len(means)} datasets: better {sum(m > 0.0005 for m in means)}, worse {sum(m < -0.0005 for m in means)}")


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
