#!/usr/bin/env bash
# Fuzz omnichat's parsers with libFuzzer (Swift's -sanitize=fuzzer) under AddressSanitizer.
#
#   tools/fuzz/run.sh [SECONDS] [TARGET...]     default: 600 seconds each, every target
#
# Targets: safetensors config tokenizer png session terminal-input (FuzzTarget in
# Sources/FuzzTargets). Each run starts from Tests/Fixtures/fuzz/<target>/ and works in
# runs/fuzz/<target>/ (git-ignored). Afterwards the inputs that add coverage are merged back into
# Tests/Fixtures/fuzz/<target>/, and any input that failed is saved there as crash-*, leak-*,
# timeout-* or oom-*, so `swift test` (FuzzRegressionTests) replays it from then on. The script
# exits non-zero if any target failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(safetensors config tokenizer png session terminal-input)

swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2 || exit 1
BINARY="$(swift build --package-path Fuzz -c debug --show-bin-path)/omnichat-fuzz"

failed=0
for target in "${TARGETS[@]}"; do
    corpus=Tests/Fixtures/fuzz/$target
    work=runs/fuzz/$target
    mkdir -p "$work/corpus" "$corpus"
    echo "== $target: ${SECONDS_EACH}s" >&2
    # Inputs up to 64 KiB (the largest seeds are tokenizer.json files of about 25 KiB). Leak
    # checks are off: Foundation's one-time statics (the pre-tokenizer's compiled regular
    # expression) are reported as leaks at exit, which says nothing about the parsers.
    ASAN_OPTIONS=detect_leaks=0 OMNICHAT_FUZZ_TARGET=$target "$BINARY" "$work/corpus" "$corpus" -max_total_time="$SECONDS_EACH" \
        -max_len=65536 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$corpus/" -print_final_stats=1 \
        2> "$work/log.txt"
    status=$?
    tail -n 12 "$work/log.txt" >&2
    if [ $status -ne 0 ]; then
        echo "== $target: FAILED (exit $status); input saved in $corpus/, log in $work/log.txt" >&2
        failed=1
    fi
    # Keep only inputs that add coverage (the merge copies them into the repository corpus).
    # Same leak setting as the run: with leak checks on, the merge reported Foundation's one-time
    # regular expression and wrote an empty "crash" input into the current directory.
    ASAN_OPTIONS=detect_leaks=0 OMNICHAT_FUZZ_TARGET=$target "$BINARY" -merge=1 -artifact_prefix="$work/" \
        "$corpus" "$work/corpus" 2>> "$work/log.txt" >/dev/null
done
exit $failed
