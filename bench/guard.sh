#!/usr/bin/env bash
# Regression guard, run by hand (not in CI): reruns the headline scenarios against this gateway
# and Mosquitto in one run, and fails when a gateway ÷ Mosquitto ratio got worse by more than 20%
# against the ratios committed in bench/baseline.json.
#
#   bench/guard.sh            check; exit 1 naming each scenario whose ratio got worse, 2 when one
#                             could not be measured or there is no baseline
#   bench/guard.sh --record   measure and write bench/baseline.json (commit it with the report)
#
# Headlines: QoS 1 1→1 at 1,000 msg/s (p99 and cpu), QoS 1 1→1 max rate, QoS 0 4→4 max rate
# (msg/s), after the same unrecorded warm-up as bench/compare.sh, which it runs for them. Ratios
# to Mosquitto measured minutes apart cancel much of what the machine itself adds; still, compare
# runs with the same DURATION and WARMUP (defaults 15s and 5s, as compare.sh) on a quiet machine.
#
# Environment: DURATION, WARMUP, GATEWAY_HOME, GATEWAY_ARGS, KEEP as for bench/compare.sh;
#   BASELINE=bench/baseline.json   the committed ratios
#   TOLERANCE=0.2                  how much worse a ratio may get
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASELINE=${BASELINE:-$ROOT/bench/baseline.json}
TOLERANCE=${TOLERANCE:-0.2}
RECORD=false
case "${1:-}" in
  --record) RECORD=true ;;
  "") ;;
  *) echo "usage: bench/guard.sh [--record]" >&2; exit 2 ;;
esac

TMP=$(mktemp -d /tmp/mqtt-guard.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

SERVERS="gateway mosquitto" ONLY="warmup pubsub-qos1-max pubsub-qos1-1k pubsub-qos0-4x4" \
  OUT="$TMP/report.md" RATIOS_OUT="$TMP/ratios.json" "$ROOT/bench/compare.sh"

if [ "$RECORD" = true ]; then
  # A headline without a ratio (its scenario failed) would never be checked again: refuse it.
  if ! python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["ratios"]; bad = [k for k, v in r.items() if v["ratio"] is None]; print("guard: no ratio for " + ", ".join(bad) + "; not recorded") if bad else None; sys.exit(1 if bad else 0)' "$TMP/ratios.json"; then
    exit 2
  fi
  cp "$TMP/ratios.json" "$BASELINE"
  echo "guard: recorded $BASELINE:"
  cat "$BASELINE"
  exit 0
fi
python3 "$ROOT/bench/guard.py" --baseline "$BASELINE" --current "$TMP/ratios.json" --tolerance "$TOLERANCE"
