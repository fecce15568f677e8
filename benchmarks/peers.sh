# Sourced by the benchmark scripts from the repository root: installs the system packages (scripts/setup),
# makes benchmarks/.venv (ignored by git) and sets $py to its Python.
#   peers "import h5py, pandas" h5py pandas    # the import that must work, then what pip installs if not
peers() {
  local imports=$1
  shift
  scripts/setup
  py=benchmarks/.venv/bin/python
  [ -x "$py" ] || python3 -m venv benchmarks/.venv
  "$py" -c "$imports" 2>/dev/null || benchmarks/.venv/bin/pip install --quiet --disable-pip-version-check "$@"
}
