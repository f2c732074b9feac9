#!/usr/bin/env bash
# tolsim beside the tools its users would otherwise use, timed in the same run (issue 5; figures in
# docs/performance.md). Not a test.
#
#   bench/peers/run.sh [--population] [--model ra-msc|immune] [--rtol R] [--atol A]
#
# Tools, all at the same tolerances, output times, doses and parameters:
#   tolsim        build/bin/tolsim_runs: tolsim's library, native kernels (bench/peers/tolsim_runs.cpp)
#   handwritten   the model written by hand in C++ with CVODES, called as tolsim calls it: build/bin/handwritten_cvodes
#                 (bench/peers/handwritten_cvodes.cpp) for the immune example, build/bin/handwritten_ra_msc
#                 (bench/peers/handwritten_ra_msc.cpp) for RA + MSC, which build/bin/check_ra_msc_hand first checks
#                 against tolsim's kernels (the run stops if they differ)
#   scipy_lsoda   the script of `tolsim export --format python`, with scipy's LSODA
#   scipy_bdf     the same script with scipy's BDF
#   desolve       the script of `tolsim export --format r`, with deSolve's lsoda
# Each tool times its simulations alone (not start-up: loading, compiling, importing) and prints
# "simulate_seconds=S runs=N". The report compares every tool's species with tolsim's, prints the largest relative
# difference (relative to the species' largest value, or to its atol / rtol if that is larger), fails if it exceeds
# 1e-3, and ends with the ratio line.
#
# --model ra-msc (default) is models/ra-msc.yaml (75 species) with bench/data/ra-msc-peers.scenario.yaml.
# --model immune is examples/immune-th17-treg.yaml with its scenario: 4 states, a year, three antibody infusions.
#
# The programs come from build/bin, or from the folder in TOLSIM_BENCH_BIN (another build).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${TOLSIM_BENCH_BIN:-$root/build/bin}
python=/usr/bin/python3
mode=single
model=ra-msc
rtol=1e-6
atol=1e-12
while [ $# -gt 0 ]; do
  case $1 in
    --population) mode=population; shift ;;
    --model) model=$2; shift 2 ;;
    --rtol) rtol=$2; shift 2 ;;
    --atol) atol=$2; shift 2 ;;
    *) echo "usage: $0 [--population] [--model ra-msc|immune] [--rtol R] [--atol A]" >&2; exit 2 ;;
  esac
done
# handwritten: the programs of the hand-written tool, the one timed last.
case $model in
  immune)
    model_file=$root/examples/immune-th17-treg.yaml; scenario=$root/examples/immune-th17-treg.scenario.yaml
    handwritten=(handwritten_cvodes) ;;
  ra-msc)
    model_file=$root/models/ra-msc.yaml; scenario=$root/bench/data/ra-msc-peers.scenario.yaml
    handwritten=(check_ra_msc_hand handwritten_ra_msc) ;;
  *) echo "$0: unknown model '$model' (ra-msc or immune)" >&2; exit 2 ;;
esac
for program in tolsim tolsim_runs "${handwritten[@]}"; do
  [ -x "$bin/$program" ] || { echo "$0: $bin/$program is missing: run 'make build' first" >&2; exit 2; }
done
for program in "$python" /usr/bin/Rscript; do
  [ -x "$program" ] || { echo "$0: $program is missing: run scripts/install-deps" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Runs one tool with its standard error (the timing line, or why it failed) kept in $work/<tool>.time.
run_tool() {
  local tool=$1
  shift
  if ! "$@" 2> "$work/$tool.time"; then
    echo "$0: $tool failed:" >&2
    cat "$work/$tool.time" >&2
    exit 1
  fi
}
solver=(--solver "rtol=$rtol" --solver "atol=$atol")
"$bin/tolsim" --quiet export "$model_file" --format python --scenario "$scenario" "${solver[@]}" -o "$work/model.py"
"$bin/tolsim" --quiet export "$model_file" --format r --scenario "$scenario" "${solver[@]}" -o "$work/model.R"
"$python" "$here/peers.py" tables "$mode" "$model" "$work"

echo "peers: $mode, model $model ($(basename "$model_file")), rtol $rtol, atol $atol, $(nproc) cores, $(uname -m)"
echo "  $("$python" -c 'import scipy, numpy, sys; print(f"Python {sys.version.split()[0]}, scipy {scipy.__version__}, numpy {numpy.__version__}")')"
echo "  $(Rscript -e 'cat(R.version.string, ", deSolve ", as.character(packageVersion("deSolve")), sep = "")' 2>/dev/null)"
echo "  $(g++ --version | head -1), SUNDIALS $(dpkg-query -W -f='${Version}' libsundials-dev 2>/dev/null || echo '?')"

if [ "$model" = ra-msc ]; then
  # The hand-written equations against tolsim's kernels, before anything is timed.
  agreement=$("$bin/check_ra_msc_hand" "$model_file" "$scenario") ||
    { echo "$0: the hand-written RA + MSC model is not tolsim's; nothing timed" >&2; exit 1; }
  echo "  $agreement"
fi

tools=(tolsim handwritten)
run_tool tolsim "$bin/tolsim_runs" "$model_file" "$scenario" --rtol "$rtol" --atol "$atol" \
  --parameters "$work/fast.csv" --out "$work/tolsim.csv" --species-only 1
run_tool handwritten "$bin/${handwritten[-1]}" --rtol "$rtol" --atol "$atol" --parameters "$work/fast.csv" \
  --out "$work/handwritten.csv"
run_tool scipy_lsoda "$python" "$work/model.py" --method LSODA --parameters "$work/slow.csv" \
  --out "$work/scipy_lsoda.csv" --timing
run_tool scipy_bdf "$python" "$work/model.py" --method BDF --parameters "$work/slow.csv" --out "$work/scipy_bdf.csv" \
  --timing
run_tool desolve Rscript "$work/model.R" --method lsoda --parameters "$work/slow.csv" --out "$work/desolve.csv" --timing
tools+=(scipy_lsoda scipy_bdf desolve)
"$python" "$here/peers.py" report "$mode" "$work" "${tools[@]}"
