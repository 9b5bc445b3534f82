#!/usr/bin/env python3
"""Dry runs of report.py and guard.py on fixture JSON (bench/testdata), no server needed:

    python3 -m unittest discover -s bench -p 'test_*.py'
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import guard  # noqa: E402
import report  # noqa: E402

FIXTURES = os.path.join(HERE, "testdata", "work")


class ReportDryRun(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bench-test-")
        self.work = os.path.join(self.tmp, "work")
        shutil.copytree(FIXTURES, self.work)
        self.out = os.path.join(self.tmp, "report.md")
        self.ratios = os.path.join(self.tmp, "ratios.json")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_report(self):
        subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "--work", self.work, "--out", self.out,
                        "--duration", "5s", "--warmup", "2s", "--ratios-out", self.ratios], check=True)
        with open(self.out) as f:
            return f.read()

    def test_cpu_column_targets_baseline_and_ratios(self):
        md = self.run_report()
        results = report.load_results(os.path.join(self.work, "results"))
        gw = results[("gateway", "pubsub-qos1-1k")]
        # The cpu figure is mqtt-bench's, over the measured window: cores ÷ (msg/s ÷ 1,000).
        self.assertAlmostEqual(gw["server_cores_per_1k_msg_s"],
                               gw["server_cpu_cores"] / (gw["received_per_s"] / 1000.0), places=2)
        self.assertIn("| QoS 1, 1→1 at 1,000 msg/s: cpu (server cores per 1,000 msg/s) (lower is better) | %s |"
                      % report.fmt(gw["server_cores_per_1k_msg_s"]), md)
        self.assertIn("| scenario | server | server cores | cpu | delivered msg/s |", md)
        self.assertIn("first minute after start", md)
        self.assertIn("idle standalone process: < 0.03 cores, < 80 threads", md)
        self.assertIn("### Storage baseline (gateway only)", md)
        self.assertIn("of the storage's own rate", md)
        self.assertIn("`many-devices` skipped: needs ulimit -n", md)
        self.assertIn("## Regression guard", md)
        with open(self.ratios) as f:
            ratios = json.load(f)["ratios"]
        mq = results[("mosquitto", "pubsub-qos1-max")]["received_per_s"]
        self.assertAlmostEqual(ratios["pubsub-qos1-max msg/s"]["ratio"],
                               results[("gateway", "pubsub-qos1-max")]["received_per_s"] / mq, places=3)
        self.assertEqual(set(ratios), {"pubsub-qos1-1k p99", "pubsub-qos1-1k cpu", "pubsub-qos1-max msg/s",
                                       "pubsub-qos0-4x4 msg/s"})

    def test_hand_written_tail_survives_regeneration(self):
        with open(self.out, "w") as f:
            f.write("old generated part\n\n%s\n\n## Measured by hand\n\nkeep me\n" % report.KEEP_MARKER)
        md = self.run_report()
        self.assertNotIn("old generated part", md)
        self.assertTrue(md.rstrip().endswith("keep me"))
        self.assertEqual(md.count(report.KEEP_MARKER), 1)


class GuardDryRun(unittest.TestCase):

    BASE = {"ratios": {
        "pubsub-qos1-max msg/s": {"ratio": 0.5, "higher_is_better": True},
        "pubsub-qos1-1k p99": {"ratio": 10.0, "higher_is_better": False},
    }}

    def check(self, current, tolerance=0.2):
        with tempfile.TemporaryDirectory() as d:
            base, cur = os.path.join(d, "base.json"), os.path.join(d, "cur.json")
            for path, doc in ((base, self.BASE), (cur, current)):
                with open(path, "w") as f:
                    json.dump(doc, f)
            return guard.main(["--baseline", base, "--current", cur, "--tolerance", str(tolerance)])

    def test_within_tolerance_passes(self):
        self.assertEqual(self.check({"ratios": {"pubsub-qos1-max msg/s": {"ratio": 0.41},
                                                "pubsub-qos1-1k p99": {"ratio": 11.9}}}), 0)

    def test_a_lower_throughput_ratio_fails_and_is_named(self):
        rows = {r[0]: r for r in guard.compare(self.BASE, {"ratios": {"pubsub-qos1-max msg/s": {"ratio": 0.39},
                                                                      "pubsub-qos1-1k p99": {"ratio": 9.0}}}, 0.2)}
        self.assertEqual(rows["pubsub-qos1-max msg/s"][4], "WORSE")
        self.assertAlmostEqual(rows["pubsub-qos1-max msg/s"][3], 0.22)
        self.assertEqual(rows["pubsub-qos1-1k p99"][4], "ok")
        self.assertEqual(self.check({"ratios": {"pubsub-qos1-max msg/s": {"ratio": 0.39},
                                                "pubsub-qos1-1k p99": {"ratio": 9.0}}}), 1)

    def test_a_higher_latency_ratio_fails(self):
        self.assertEqual(self.check({"ratios": {"pubsub-qos1-max msg/s": {"ratio": 0.6},
                                                "pubsub-qos1-1k p99": {"ratio": 12.5}}}), 1)

    def test_a_missing_ratio_cannot_pass(self):
        self.assertEqual(self.check({"ratios": {"pubsub-qos1-max msg/s": {"ratio": 0.6},
                                                "pubsub-qos1-1k p99": {"ratio": None}}}), 2)


if __name__ == "__main__":
    unittest.main()
