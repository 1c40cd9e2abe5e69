#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 60) on a corpus that
# fuzz/make_corpus.py generates. Usage: fuzz/run.sh [fuzz_xml fuzz_v3io ...] (default: all).
# Several runs side by side (long runs on a multi-core machine) each need their own
# FUZZ_SUMMARY file and distinct targets.
# C++ targets (fuzz_*.cpp) are libFuzzer binaries built by clang with ASan and UBSan;
# Python targets (fuzz_*.py) run under atheris. Exits non-zero if any target finds a crash;
# the reproducer is under build/fuzz/crashes/<target>/ and the log under build/fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
out=$root/build/fuzz
py=$root/.venv/bin/python

bash third_party/install-debian-packages.sh fuzz/debian-packages.txt
"$py" -c "import atheris" 2>/dev/null || "$py" -m pip install -q atheris

# Incremental: only what changed is rebuilt. Low priority: the machine is shared.
PATH="$root/.venv/bin:$PATH" cmake -S fuzz -B "$out/bin" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$out.configure.log" \
  || { cat "$out.configure.log"; exit 1; }
PATH="$root/.venv/bin:$PATH" nice cmake --build "$out/bin" -- -j2

"$py" fuzz/make_corpus.py "$out/seeds"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp fuzz/fuzz_*.py; do
    [ -e "$f" ] || continue
    name=$(basename "$f"); targets+=("${name%.*}")
  done
fi

# Findings must stop the target at once and be readable: symbolised stacks, no recovery.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14 || true)}

mkdir -p "$out/logs"
summary=${FUZZ_SUMMARY:-$out/summary.txt}  # set it apart for runs side by side
: > "$summary"
failed=0
printf '%-18s %8s %14s %10s %8s  %s\n' target seconds executions exec/s corpus result \
  | tee -a "$summary"
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "$out/crashes/$t"
  seeds=$out/seeds/$t
  [ -d "$seeds" ] || seeds=
  flags=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
         -max_len=65536 -artifact_prefix="$out/crashes/$t/")
  [ -f "$out/seeds/$t.dict" ] && flags+=(-dict="$out/seeds/$t.dict")
  if [ -f "fuzz/$t.cpp" ]; then
    cmd=("$out/bin/$t")
  elif [ -f "fuzz/$t.py" ]; then
    cmd=("$py" "fuzz/$t.py")
  else
    echo "unknown fuzz target $t" >&2; exit 2
  fi
  log=$out/logs/$t.log
  rc=0
  "${cmd[@]}" "${flags[@]}" "$out/corpus/$t" $seeds > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  files=$(find "$out/corpus/$t" -type f | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc, see $log)"
    failed=1
  fi
  printf '%-18s %8s %14s %10s %8s  %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "$files" \
    "$result" | tee -a "$summary"
  if [ $rc -ne 0 ]; then
    grep -E "ERROR|FUZZ FINDING|runtime error|SUMMARY|Test unit written" "$log" | head -20 >&2 || true
  fi
done
echo "fuzz: summary in $summary"
exit $failed
