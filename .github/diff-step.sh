#!/usr/bin/env bash
# The regenerate workflow's diff step (.github/workflows/regenerate.yml), here so that a test
# runs it (tests/safety/diff-exit.test.ts): compares the previous run's OUT with this run's,
# writes diff.txt and diff.json in the current folder, appends the text to the job summary,
# and fails only when a build is missing or invalid. A change is reported, not a failure.
#   usage: .github/diff-step.sh <previous OUT> <new OUT>
set -uo pipefail
usage="usage: $0 <previous OUT> <new OUT>"
previous=$(realpath -m -- "${1:?$usage}")
new=$(realpath -m -- "${2:?$usage}")
repository=$(cd "$(dirname "$0")/.." && pwd)
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

make --no-print-directory -C "$repository" diff OLD="$previous" NEW="$new" DIFF_JSON="$PWD/diff.json" > diff.txt 2>&1
status=$?
cat diff.txt
{
  echo "## Dataset changes"
  echo '```'
  head -c 60000 diff.txt
  echo '```'
} >> "$summary"
exit "$status"
