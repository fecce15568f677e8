#!/usr/bin/env python3
"""Sorts libFuzzer findings into Labbook's own bugs and crashes contained inside libhdf5.

Usage: fuzz/triage.py BINARY TARGET FINDING...

Each finding is run once more (an out-of-memory without a stack, a third time with a limit on single
allocations, which gives the stack of the large one). It is *contained* when the report's stack, from the
innermost frame out to the first frame in Labbook's own code, runs only through libhdf5 (and the C library, zlib or the
sanitizer's interceptors below it): libhdf5 1.10 crashed, hung or over-allocated on its own, which the
`labbook` executable survives by reading such files in a child process (IsolatedReader). Anything else
is Labbook's bug. Prints one line per finding and exits 1 if any is Labbook's.
"""
import os
import re
import subprocess
import sys

# "#1 0x... in FUNCTION FILE:LINE", or "#1 0x... (/lib/.../libhdf5_serial.so.103+0x1233e4) (BuildId: ...)"
# for a library without symbols, whose module then stands for the function.
FRAME = re.compile(r"^\s+#(\d+) 0x[0-9a-f]+\s+(?:in (\S+)(?: (.*))?|\(([^)+]+)\+0x[0-9a-f]+\).*)$")
LIBRARY_ONLY = ("libhdf5", "libc.so", "libz.so", "memmove-vec", "memcpy", "memset", "string/../sysdeps",
                "sanitizer_common", "asan_", "malloc", "libsz", "libaec", "libm.so")


def frames(report):
    result = []
    for line in report.splitlines():
        match = FRAME.match(line)
        if match:
            if match.group(1) == "0" and result:
                break  # a second stack (e.g. the allocation site) follows the first
            if match.group(2):
                result.append((match.group(2), match.group(3) or ""))
            else:
                result.append((match.group(4), ""))
    return result


def classify(report):
    stack = frames(report)
    if not stack:
        return "labbook", "no stack in the report"
    saw_hdf5 = False
    for function, where in stack:
        text = function + " " + where
        if "/Sources/" in where or "/fuzz/Sources/" in where:
            if saw_hdf5:
                return "contained", f"inside libhdf5, called from {function.split('(')[0][:80]}"
            return "labbook", f"in {function[:80]} {where}"
        if "libhdf5" in text or function.startswith("H5"):
            saw_hdf5 = True
            continue
        if any(part in text for part in LIBRARY_ONLY):
            continue
        if not saw_hdf5:
            continue
    return ("contained" if saw_hdf5 else "labbook"), "stack ends outside Labbook's code"


def main():
    binary, target, findings = sys.argv[1], sys.argv[2], sys.argv[3:]
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no",
               ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:handle_abort=1")

    def run(finding, *options):
        """The finding run once; its exit status and report."""
        done = subprocess.run([binary, target, "-runs=1", "-timeout=10", "-rss_limit_mb=4096", *options, finding],
                              capture_output=True, text=True, errors="replace", env=env, timeout=120)
        return done.returncode, done.stdout + done.stderr

    ours = 0
    for finding in findings:
        status, report = run(finding)
        if status == 0:
            kind, why = "fixed", "no longer fails"
        else:
            kind, why = classify(report)
        if kind == "labbook" and not frames(report) and "out-of-memory" in report:
            # Memory that grew past -rss_limit_mb leaves no stack; a limit on single allocations catches
            # the large one where it is asked for, with its stack.
            _, report = run(finding, "-malloc_limit_mb=512")
            if frames(report):
                kind, why = classify(report)
        ours += kind == "labbook"
        top = next((f for f, _ in frames(report) if f.startswith("H5")), "")
        print(f"{kind:9} {os.path.basename(finding)}  {why}{'  [' + top + ']' if top else ''}")
    sys.exit(1 if ours else 0)


if __name__ == "__main__":
    main()
