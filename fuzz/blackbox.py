"""Black-box mutation of the bundled files against the release `labbook` executable, as an unlucky user or an
attacker would try it: flip bits in an HDF5 file and `load` it, garble a CSV and `import` it, edit a notebook
and `verify` and `replay` it, mangle a script and `run` it. Every case must end in a result (exit 0) or a
clear error (exit 1 with "error" on stderr, or `verify`'s "tampered", or `replay --check`'s differences); a signal, another exit status, a Swift runtime failure, a hang
(over TIMEOUT seconds) or an error without a message is a finding, saved with its command to OUT/findings.

  python3 fuzz/blackbox.py BINARY CASES [SEED] [KIND...]     KIND: h5 csv ipynb lab (default: all)
  env: OUT (default /tmp/labbook-blackbox), TIMEOUT (default 60), VERBOSE=1 (each case's outcome)

Each case runs in a scratch copy of datasets/ and notebooks/ (replayed notebooks and scripts read their
files by relative path and may save or register), so the repository is never written.
"""
import os
import random
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"iris": "target", "wine": "target", "breast_cancer": "target", "diabetes": "target",
           "german_credit": "risk"}
INTERESTING = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\xff\xff\xff\xff", b"\x00\x00\x00\x80",
               b"\xff\xff\xff\xff\xff\xff\xff\x7f"]
WORDS = ["1e300", "-1", "0", "99999999999999999999", "nan", "inf", "-inf", "\"\"", "\"\\ud800\"", "[]", "{}",
         "null", "\u00e9", "\x00", "1e-320", "-0", "4294967296", "9223372036854775808", "\"../../etc/passwd\"",
         "\"/dev/zero\"", "true"]


def mutate_bytes(data, rng):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8])):
        kind = rng.randrange(6)
        if not data:
            data += bytes([rng.randrange(256)])
        position = rng.randrange(len(data))
        if kind == 0:
            data[position] ^= 1 << rng.randrange(8)
        elif kind == 1:
            value = rng.choice(INTERESTING)
            data[position:position + len(value)] = value
        elif kind == 2:
            data[position] = rng.randrange(256)
        elif kind == 3:
            del data[position:position + rng.choice([1, 4, 16, 256])]
        elif kind == 4:
            start = rng.randrange(len(data))
            data[position:position] = data[start:start + rng.choice([1, 8, 64, 512])]
        else:
            data = data[:position] if rng.random() < 0.3 else data
    return bytes(data)


def mutate_text(text, rng):
    """Token-level edits of a text file: a number or string swapped for an extreme one, lines dropped,
    duplicated or swapped, then sometimes a few byte edits on top."""
    lines = text.split("\n")
    for _ in range(rng.choice([1, 1, 2, 3])):
        kind = rng.randrange(5)
        i = rng.randrange(len(lines))
        if kind == 0:
            tokens = lines[i].split(" ")
            j = rng.randrange(len(tokens))
            tokens[j] = rng.choice(WORDS)
            lines[i] = " ".join(tokens)
        elif kind == 1:
            digits = [k for k, c in enumerate(lines[i]) if c.isdigit()]
            if digits:
                k = rng.choice(digits)
                lines[i] = lines[i][:k] + rng.choice(WORDS) + lines[i][k + 1:]
        elif kind == 2:
            del lines[i]
            if not lines:
                lines = [""]
        elif kind == 3:
            lines.insert(i, lines[rng.randrange(len(lines))])
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    return mutate_bytes(data, rng) if rng.random() < 0.25 else data


def scratch_copy(base):
    if os.path.exists(base):
        shutil.rmtree(base)
    os.makedirs(base)
    for folder in ["datasets", "notebooks"]:
        shutil.copytree(os.path.join(ROOT, folder), os.path.join(base, folder))


def case(kind, rng, work):
    """The mutated file written into `work` and the commands to run on it."""
    if kind == "h5":
        name = rng.choice(sorted(TARGETS))
        data = mutate_bytes(open(f"{ROOT}/datasets/{name}.h5", "rb").read(), rng)
        path = f"{work}/m.h5"
        open(path, "wb").write(data)
        script = (f't = load "m.h5"\ndescribe t\nshow t rows 3\ncheck t\n'
                  f'm = train tree on t target {TARGETS[name]}\nevaluate m on t\nsave t to "copy.h5"\n')
        open(f"{work}/s.lab", "w").write(script)
        return name, [["run", "s.lab", "--no-record"]]
    if kind == "csv":
        name = rng.choice(sorted(TARGETS))
        data = mutate_text(open(f"{ROOT}/datasets/{name}.csv", encoding="utf-8").read(), rng) \
            if rng.random() < 0.5 else mutate_bytes(open(f"{ROOT}/datasets/{name}.csv", "rb").read(), rng)
        open(f"{work}/m.csv", "wb").write(data)
        script = (f't = import "m.csv"\ndescribe t\na, b = split t ratio 0.8 seed 1\n'
                  f'm = train gbm on a target {TARGETS[name]} trees 5\nevaluate m on b\nsave t to "copy.h5"\n'
                  f'u = load "copy.h5"\ndescribe u\n')
        open(f"{work}/s.lab", "w").write(script)
        return name, [["run", "s.lab", "--no-record"]]
    if kind == "ipynb":
        names = [n[:-6] for n in os.listdir(f"{ROOT}/notebooks") if n.endswith(".ipynb")]
        name = rng.choice(sorted(names))
        text = open(f"{ROOT}/notebooks/{name}.ipynb", encoding="utf-8").read()
        data = mutate_text(text, rng) if rng.random() < 0.6 else mutate_bytes(text.encode(), rng)
        open(f"{work}/m.ipynb", "wb").write(data)
        return name, [["verify", "m.ipynb"], ["replay", "m.ipynb", "--check"]]
    names = [n[:-4] for n in os.listdir(f"{ROOT}/notebooks") if n.endswith(".lab") and n != "automl.lab"]
    name = rng.choice(sorted(names))
    text = open(f"{ROOT}/notebooks/{name}.lab", encoding="utf-8").read()
    open(f"{work}/m.lab", "wb").write(mutate_text(text, rng))
    return name, [["run", "m.lab", "--notebook", "m.ipynb"]]


def verdict(result, seconds, timeout):
    if result is None:
        return f"hang (over {timeout} s)"
    if result.returncode < 0:
        return f"signal {-result.returncode}"
    stderr = result.stderr
    for marker in ["Fatal error", "Swift runtime failure", "Crash", "💣", "AddressSanitizer", "Illegal instruction"]:
        if marker in stderr:
            return f"crash ({marker})"
    if result.returncode not in (0, 1):
        return f"exit status {result.returncode}"
    said = (stderr + result.stdout).lower()
    if result.returncode == 1 and not any(word in said for word in ["error", "differ", "tampered"]):
        return "failed without an error message"
    return None


def main():
    binary = os.path.abspath(sys.argv[1])
    cases = int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    kinds = sys.argv[4:] or ["h5", "csv", "ipynb", "lab"]
    out = os.environ.get("OUT", "/tmp/labbook-blackbox")
    timeout = float(os.environ.get("TIMEOUT", "60"))
    os.makedirs(f"{out}/findings", exist_ok=True)
    environment = dict(os.environ, SWIFT_BACKTRACE="enable=no", LABBOOK_REGISTRY="registry", NO_COLOR="1")
    rng = random.Random(seed)
    counts, findings, started = {}, 0, time.time()
    for number in range(cases):
        kind = kinds[number % len(kinds)]
        work = f"{out}/work"
        scratch_copy(work)
        source, commands = case(kind, rng, work)
        for command in commands:
            begin = time.time()
            try:
                result = subprocess.run([binary] + command, cwd=work, capture_output=True, text=True,
                                        errors="replace", timeout=timeout, env=environment, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                result = None
            problem = verdict(result, time.time() - begin, timeout)
            outcome = problem or ("result" if result.returncode == 0 else "clear error")
            counts[(kind, outcome if not problem else "FINDING")] = counts.get((kind, outcome if not problem else "FINDING"), 0) + 1
            if os.environ.get("VERBOSE"):
                first = (result.stderr.strip().splitlines() or [""])[0][:150] if result is not None else ""
                print(f"  {number} {kind} {source} {command[0]}: {outcome}: {first}", flush=True)
            if problem:
                findings += 1
                keep = f"{out}/findings/{kind}-{seed}-{number}"
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(work, keep, ignore=shutil.ignore_patterns("datasets", "notebooks"))
                with open(f"{keep}/README", "w") as f:
                    f.write(f"from {source}; labbook {' '.join(command)} (in this folder, with datasets/ and "
                            f"notebooks/ copied from the repository)\n{problem}\n")
                    if result is not None:
                        f.write(f"--- stderr ---\n{result.stderr[-4000:]}\n--- stdout ---\n{result.stdout[-2000:]}\n")
                print(f"case {number} ({kind} from {source}, labbook {' '.join(command)}): {problem} -> {keep}",
                      flush=True)
        if (number + 1) % 50 == 0:
            print(f"{number + 1} cases, {findings} findings, {time.time() - started:.0f} s", flush=True)
    print(f"{cases} cases, seed {seed}, {findings} findings, {time.time() - started:.0f} s")
    for key in sorted(counts):
        print(f"  {key[0]:6} {key[1]:12} {counts[key]}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
