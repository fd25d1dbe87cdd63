#!/usr/bin/env bash
# Fuzzes every reader of encours-readers for a short while (CI) or as long as asked (by hand).
#
#   tests/fuzz/run.sh                                  # CI: 8 targets x FUZZ_SECONDS (6 s) = 48 s of fuzzing
#   FUZZ_SECONDS=600 FUZZ_KEEP_CORPUS=1 tests/fuzz/run.sh   # longer, growing crates/readers/fuzz/corpus/
#   FUZZ_TARGETS="read_pdf xml_edits" FUZZ_SECONDS=3600 tests/fuzz/run.sh   # some targets, an hour each
#
# Targets (crates/readers/fuzz/README.md): read_xml, read_pdf, inspect, read_bank, read_cdar, read_fec,
# read_ibm, xml_edits (structure-aware: edit scripts applied to real documents). libFuzzer mutates
# the inputs (bit and byte flips, insertions, truncation, splicing of corpus files, dictionary
# words), starting from the shared corpus (seed.sh). A run fails on a panic, a crash, a hang (one
# input taking more than FUZZ_TIMEOUT seconds, default 10) or memory over FUZZ_RSS_MB (default
# 2048); the input that did it is kept in crates/readers/fuzz/artifacts/<target>/ and printed.
#
# Needs cargo-fuzz (.ci/install-deps installs it); the stable toolchain is enough: RUSTC_BOOTSTRAP=1
# lets it accept the sanitizer flags cargo-fuzz passes. Without cargo-fuzz, the stable mutation
# tests of the readers run instead (seeded, bounded) and the script says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

SECONDS_EACH="${FUZZ_SECONDS:-6}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-read_xml read_pdf inspect read_bank read_cdar read_fec read_ibm xml_edits}"
FUZZ_DIR=crates/readers/fuzz

if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: cargo-fuzz is not installed; running the stable mutation tests instead" >&2
  cargo test -p encours-readers --test no_panic --test fec_no_panic --test hostile
  exit 0
fi

# A short run starts from the seeds only, in a fresh folder: the corpus/ a long run accumulates can
# hold thousands of inputs, and libFuzzer replays all of them before the clock starts counting.
# FUZZ_KEEP_CORPUS=1 uses (and grows) crates/readers/fuzz/corpus/ instead.
if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
  CORPUS_ROOT="$PWD/$FUZZ_DIR/corpus"
else
  CORPUS_ROOT="$(mktemp -d)"
  trap 'rm -rf "$CORPUS_ROOT"' EXIT
fi
FUZZ_CORPUS_DIR="$CORPUS_ROOT" "$FUZZ_DIR/seed.sh"
cd "$FUZZ_DIR"
export RUSTC_BOOTSTRAP=1
started=$(date +%s)
build_log="$(mktemp)"
cargo fuzz build >/dev/null 2>"$build_log" || { tail -40 "$build_log"; echo "fuzz: build failed" >&2; exit 1; }
rm -f "$build_log"
echo "fuzz: targets built in $(($(date +%s) - started)) s"
BIN="target/$(rustc -vV | sed -n 's/^host: //p')/release"

failed=0
for target in "${TARGETS[@]}"; do
  log="$(mktemp)"
  mkdir -p "artifacts/$target"
  # The built binary directly: `cargo fuzz run` would check the build again for each target.
  if "$BIN/$target" "$CORPUS_ROOT/$target" -artifact_prefix="artifacts/$target/" -max_total_time="$SECONDS_EACH" \
    -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" -max_len=200000 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $target: ${runs:-?} inputs in ${SECONDS_EACH} s, no panic, no crash, no hang"
  else
    tail -40 "$log"
    echo "fuzz: $target FAILED (input kept in $FUZZ_DIR/artifacts/$target/)" >&2
    failed=1
  fi
  rm -f "$log"
done
exit "$failed"
