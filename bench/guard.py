#!/usr/bin/env python3
"""Compares the headline gateway ÷ Mosquitto ratios of a new run with the committed ones.

    guard.py --baseline bench/baseline.json --current RUN.ratios.json [--tolerance 0.2]

Both files are written by bench/report.py (--ratios-out). A ratio is worse when it fell (where a
higher figure is better: msg/s) or rose (where lower is better: latency, cpu) by more than the
tolerance against the baseline. Exit 0: none worse; 1: at least one worse (each named); 2: a ratio
could not be compared (missing from either file: the scenario failed or was not run).
"""
import argparse
import json
import sys


def compare(baseline, current, tolerance):
    """Yields (name, baseline ratio, current ratio, change, status) for each headline in the baseline."""
    for name, base in sorted(baseline["ratios"].items()):
        now = current.get("ratios", {}).get(name, {})
        b, c = base.get("ratio"), now.get("ratio")
        if b is None or c is None:
            yield name, b, c, None, "not comparable"
            continue
        higher = base.get("higher_is_better", True)
        # How much worse, as a fraction of the baseline: > 0 worse, < 0 better.
        change = (b - c) / b if higher else (c - b) / b
        yield name, b, c, change, "WORSE" if change > tolerance else "ok"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--current", required=True)
    ap.add_argument("--tolerance", type=float, default=0.2)
    args = ap.parse_args(argv)
    try:
        with open(args.baseline) as f:
            baseline = json.load(f)
    except FileNotFoundError:
        print("guard: no baseline at %s; record one with bench/guard.sh --record" % args.baseline)
        return 2
    with open(args.current) as f:
        current = json.load(f)

    rows = list(compare(baseline, current, args.tolerance))
    print("%-24s %12s %12s %10s  %s" % ("gateway ÷ Mosquitto", "baseline", "now", "worse by", "verdict"))
    for name, b, c, change, status in rows:
        print("%-24s %12s %12s %10s  %s" % (name, "—" if b is None else "%.4g" % b, "—" if c is None else "%.4g" % c,
                                            "—" if change is None else "{:+.0%}".format(change), status))
    worse = [r[0] for r in rows if r[4] == "WORSE"]
    missing = [r[0] for r in rows if r[4] == "not comparable"]
    print("baseline: gateway %s, %s (DURATION=%s WARMUP=%s)" % (baseline.get("gateway"), baseline.get("date"),
                                                               baseline.get("duration"), baseline.get("warmup")))
    if worse:
        print("guard: worse by more than {:.0%} than the baseline: {}".format(args.tolerance, ", ".join(worse)))
        return 1
    if missing:
        print("guard: could not compare %s (failed or not run in one of the two; see the report)" % ", ".join(missing))
        return 2
    print("guard: no ratio worse by more than {:.0%}".format(args.tolerance))
    return 0


if __name__ == "__main__":
    sys.exit(main())
