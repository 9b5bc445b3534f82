#!/usr/bin/env python3
"""Turns the JSON results of bench/compare.sh into docs/benchmarks.md and a latency plot.

Standard library only; the plot is drawn by gnuplot when it is installed (apt-get install gnuplot-nox),
otherwise the report says so instead of showing a picture.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

SERVERS = ["gateway", "mosquitto", "hivemq", "rocketmq-mqtt"]
TITLES = {"gateway": "this gateway", "mosquitto": "Mosquitto", "hivemq": "HiveMQ CE", "rocketmq-mqtt": "apache/rocketmq-mqtt"}
PLOT_SCENARIO = "pubsub-qos1-1k"


def read_lines(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split("|"))
    return rows


def load_results(results_dir):
    results = {}
    for name in sorted(os.listdir(results_dir)):
        if not name.endswith(".json") or "--" not in name:
            continue
        server, scenario = name[:-5].split("--", 1)
        with open(os.path.join(results_dir, name)) as f:
            try:
                results[(server, scenario)] = json.load(f)
            except ValueError as e:
                results[(server, scenario)] = {"error": "unreadable JSON: %s" % e}
    return results


def fmt(value, unit=""):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return "{:,}".format(value) + unit
    if abs(value) >= 100:
        text = "{:,.0f}".format(value)
    elif abs(value) >= 10:
        text = "{:.1f}".format(value)
    elif 0 < abs(value) < 0.1:
        text = "{:.3f}".format(value)
    else:
        text = "{:.2f}".format(value)
    return text + unit


class Metric:
    """One row of the results table: how to read it from a scenario's JSON and which way is better."""

    def __init__(self, label, scenario, read, unit="", higher_is_better=True):
        self.label, self.scenario, self.read, self.unit = label, scenario, read, unit
        self.higher_is_better = higher_is_better

    def value(self, results, server):
        doc = results.get((server, self.scenario))
        if doc is None:
            return None
        if "error" in doc:
            return "failed"
        if "skipped" in doc:
            return "skipped"
        try:
            return self.read(doc)
        except (KeyError, TypeError, ZeroDivisionError):
            return None


def lat(key):
    """A latency percentile, or "no samples" when nothing was delivered in the window."""
    def read(doc):
        latency = doc["latency"]
        return "no samples" if latency["count"] == 0 else latency[key]
    return read


def lost(doc):
    """Lost messages, with the ones the server never confirmed next to them: those cannot be lost, but they are not delivered either."""
    unconfirmed = doc.get("unconfirmed", 0) + doc.get("failed", 0)
    missing = doc["lost"]
    if missing and not doc.get("drained", True):
        # Still arriving when the drain wait ran out: late, maybe not lost; the report cannot tell.
        missing = "%s not delivered %s s after the end" % (fmt(missing), fmt(doc.get("drain_s")))
    return missing if unconfirmed == 0 else "%s (+%s sends failed or unconfirmed)" % (fmt(missing), fmt(unconfirmed))


def storage(doc):
    """The one direction of a `backend --direction storage` run."""
    return doc["directions"][0]


def cores_per_1k(doc):
    """Server cores per 1,000 msg/s delivered, as mqtt-bench computed it over the measured window."""
    return doc.get("server_cores_per_1k_msg_s")


def per_conn(doc, key):
    value = doc.get(key)
    return None if value is None else value / 1024.0


def new_client_max(doc):
    """The slowest CONNACK of the new clients timed after the close; how many failed, if any did."""
    probe = doc["new_clients_after_close"]
    if probe["failed"]:
        return "%s of %s failed" % (fmt(probe["failed"]), fmt(probe["count"]))
    return probe["max_ms"]


CPU = "cpu (server cores per 1,000 msg/s)"

METRICS = [
    Metric("QoS 1, 1→1, max rate: delivered msg/s", "pubsub-qos1-max", lambda d: d["received_per_s"], "", True),
    Metric("QoS 1, 1→1, max rate: lost", "pubsub-qos1-max", lost, "", False),
    Metric("QoS 1, 1→1, max rate: server cores", "pubsub-qos1-max", lambda d: d["server_cpu_cores"], "", False),
    Metric("QoS 1, 1→1, max rate: " + CPU, "pubsub-qos1-max", cores_per_1k, "", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s: p50 latency", "pubsub-qos1-1k", lat("p50_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s: p99 latency", "pubsub-qos1-1k", lat("p99_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s: p99.9 latency", "pubsub-qos1-1k", lat("p999_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s: server cores", "pubsub-qos1-1k", lambda d: d["server_cpu_cores"], "", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s: " + CPU, "pubsub-qos1-1k", cores_per_1k, "", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: p50 latency", "pubsub-qos1-1k-cold", lat("p50_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: p99 latency", "pubsub-qos1-1k-cold", lat("p99_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: p99.9 latency", "pubsub-qos1-1k-cold", lat("p999_ms"), " ms", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: server cores", "pubsub-qos1-1k-cold",
           lambda d: d["server_cpu_cores"], "", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: " + CPU, "pubsub-qos1-1k-cold", cores_per_1k, "", False),
    Metric("QoS 1, 1→1 at 1,000 msg/s, first minute after start: lost", "pubsub-qos1-1k-cold", lost, "", False),
    Metric("QoS 0, 4→4, max rate: delivered msg/s", "pubsub-qos0-4x4", lambda d: d["received_per_s"], "", True),
    Metric("QoS 0, 4→4, max rate: lost", "pubsub-qos0-4x4", lost, "", False),
    Metric("QoS 0, 4→4, max rate: server cores", "pubsub-qos0-4x4", lambda d: d["server_cpu_cores"], "", False),
    Metric("QoS 0, 4→4, max rate: " + CPU, "pubsub-qos0-4x4", cores_per_1k, "", False),
    Metric("idle (no clients): server cores", "idle", lambda d: d["server_cpu_cores"], "", False),
    Metric("idle (no clients): server threads", "idle", lambda d: d["server_threads"], "", False),
    Metric("idle (no clients): server RSS", "idle", lambda d: d["server_rss_bytes"] / 1048576.0, " MB", False),
    Metric("many devices (N→N, 1 msg/s each, QoS 1): devices", "many-devices", lambda d: d["parameters"]["publishers"], "", True),
    Metric("many devices: delivered msg/s", "many-devices", lambda d: d["received_per_s"], "", True),
    Metric("many devices: lost", "many-devices", lost, "", False),
    Metric("many devices: p99 latency", "many-devices", lat("p99_ms"), " ms", False),
    Metric("many devices: server cores", "many-devices", lambda d: d["server_cpu_cores"], "", False),
    Metric("many devices: " + CPU, "many-devices", cores_per_1k, "", False),
    Metric("fan-out QoS 1: delivered msg/s", "fanout-qos1", lambda d: d["received_per_s"], "", True),
    Metric("fan-out QoS 1: lost", "fanout-qos1", lost, "", False),
    Metric("fan-out QoS 1: p99 latency", "fanout-qos1", lat("p99_ms"), " ms", False),
    Metric("conn: connections held", "conn", lambda d: d["open_after_hold"], "", True),
    Metric("conn: connects/s", "conn", lambda d: d["connects_per_s"], "", True),
    Metric("conn: connect p99", "conn", lambda d: d["connect_latency"]["p99_ms"], " ms", False),
    Metric("conn: connect p50", "conn", lambda d: d["connect_latency"]["p50_ms"], " ms", False),
    Metric("conn: server cores while connecting", "conn", lambda d: d["server_cores_connecting"], "", False),
    Metric("conn: slowest of 10 new clients right after all were dropped", "conn", new_client_max, " ms", False),
    Metric("conn-max (clean sessions, max rate): connects/s", "conn-max", lambda d: d["connects_per_s"], "", True),
    Metric("conn-persistent (CleanSession=0, max rate): connects/s", "conn-persistent", lambda d: d["connects_per_s"], "", True),
    Metric("conn-persistent: refused or failed", "conn-persistent", lambda d: d["failed"], "", False),
    Metric("conn: server RSS per connection", "conn", lambda d: per_conn(d, "server_rss_per_connection_bytes"), " KB", False),
    Metric("conn: server heap per connection", "conn", lambda d: per_conn(d, "server_heap_per_connection_bytes"), " KB", False),
    Metric("after conn: until a new client connects (≈1 s is the probe itself)", "recovery-conn",
           lambda d: d["seconds"] if d["ok"] else "not within 180 s", " s", False),
    Metric("after fan-out: until a new client connects (≈1 s is the probe itself)", "recovery-fanout-qos1",
           lambda d: d["seconds"] if d["ok"] else "not within 180 s", " s", False),
]


def ratio(a, b):
    # A ratio of a negative or zero figure (memory noise, nothing delivered) says nothing.
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or a <= 0 or b <= 0:
        return "—"
    r = a / b
    return ("{:,.0f}×" if r >= 100 else "{:.1f}×" if r >= 10 else "{:.2f}×").format(r)


def verdict(ok):
    return "met" if ok else "NOT met"


def targets(results):
    """The issues' targets, judged on the gateway's numbers (pending where it has none)."""
    def get(scenario, read, server="gateway"):
        doc = results.get((server, scenario))
        if doc is None or "error" in doc or "skipped" in doc:
            return None
        try:
            return read(doc)
        except (KeyError, TypeError, IndexError):
            return None

    def why_not(scenario):
        doc = results.get(("gateway", scenario))
        if doc is None:
            return "pending: gateway not measured"
        if "skipped" in doc:
            return "skipped: " + doc["skipped"]
        if "error" in doc:
            return "failed: " + doc["error"][:200]
        return "pending: no figure"

    rows = []
    # Issue 13: a message costs a few microseconds of CPU.
    p99 = get("pubsub-qos1-1k", lat("p99_ms"))
    p999 = get("pubsub-qos1-1k", lat("p999_ms"))
    cores = get("pubsub-qos1-1k", lambda d: d["server_cpu_cores"])
    if p99 is None or p999 is None or cores is None:
        rows.append(("QoS 1 1→1 at 1,000 msg/s, warm: ≤ 0.25 cores, p99 < 5 ms, p99.9 < 20 ms", why_not("pubsub-qos1-1k")))
    else:
        ok = cores <= 0.25 and not isinstance(p99, str) and p99 < 5 and not isinstance(p999, str) and p999 < 20
        rows.append(("QoS 1 1→1 at 1,000 msg/s, warm: ≤ 0.25 cores, p99 < 5 ms, p99.9 < 20 ms",
                     "%s (%s cores, p99 %s, p99.9 %s)" % (verdict(ok), fmt(cores), fmt(p99, " ms"), fmt(p999, " ms"))))
    cold = get("pubsub-qos1-1k-cold", lambda d: (d["latency"]["p99_ms"], d["latency"]["p999_ms"], d["server_cpu_cores"]))
    rows.append(("the same, first minute after start (reported, no target)",
                 why_not("pubsub-qos1-1k-cold") if cold is None else "p99 %s, p99.9 %s, %s cores"
                 % (fmt(cold[0], " ms"), fmt(cold[1], " ms"), fmt(cold[2]))))
    gw = get("pubsub-qos1-max", lambda d: d["received_per_s"])
    mq = get("pubsub-qos1-max", lambda d: d["received_per_s"], "mosquitto")
    rows.append(("QoS 1 1→1 max rate: delivered ≥ Mosquitto's, same run",
                 why_not("pubsub-qos1-max") if gw is None else "%s (gateway %s, Mosquitto %s msg/s)"
                 % ("not judged: Mosquitto not measured" if mq is None else verdict(gw >= mq), fmt(gw), fmt(mq))))
    gw = get("pubsub-qos0-4x4", lambda d: d["received_per_s"])
    mq = get("pubsub-qos0-4x4", lambda d: d["received_per_s"], "mosquitto")
    rows.append(("QoS 0 4→4 max rate: delivered ≥ 0.5× Mosquitto's, same run",
                 why_not("pubsub-qos0-4x4") if gw is None else "%s (gateway %s, ½ Mosquitto %s msg/s)"
                 % ("not judged: Mosquitto not measured" if mq is None else verdict(gw >= 0.5 * mq), fmt(gw),
                    fmt(None if mq is None else mq / 2))))
    counted = {}
    for scenario in ("pubsub-qos1-max", "pubsub-qos1-1k", "pubsub-qos1-1k-cold", "pubsub-qos0-4x4", "many-devices",
                     "fanout-qos1"):
        n = get(scenario, lambda d: d["lost"] + d.get("unconfirmed", 0) + d.get("failed", 0))
        if n is not None:
            counted[scenario] = n
    rows.append(("0 lost everywhere (confirmed and never delivered, or never confirmed)",
                 "pending: gateway not measured" if not counted else "%s (%s)"
                 % (verdict(sum(counted.values()) == 0), ", ".join("%s %s" % (k, fmt(v)) for k, v in counted.items()))))
    idle = get("idle", lambda d: (d["server_cpu_cores"], d["server_threads"]))
    rows.append(("idle standalone process: < 0.03 cores, < 80 threads",
                 why_not("idle") if idle is None else "%s (%s cores, %s threads)"
                 % (verdict(idle[0] < 0.03 and idle[1] < 80), fmt(idle[0]), fmt(idle[1]))))
    store = get("baseline-storage", lambda d: storage(d)["received_per_s"])
    gw = get("pubsub-qos1-max", lambda d: d["received_per_s"])
    rows.append(("QoS 1 1→1 max rate ≥ 80% of the storage baseline (RocketMQ producer → consumer, same broker)",
                 why_not("baseline-storage") if store is None or gw is None else "%s (gateway %s of %s msg/s: %s)"
                 % (verdict(gw >= 0.8 * store), fmt(gw), fmt(store), "{:.0%}".format(gw / store) if store > 0 else "—")))
    many = get("many-devices", lambda d: (d["parameters"]["publishers"], d["latency"]["p99_ms"], d["server_cpu_cores"],
                                          d["parameters"].get("devices", False)))
    rows.append(("many devices at 1 msg/s each, QoS 1: p99 and gateway cores (reported, no target)",
                 why_not("many-devices") if many is None else "%s devices%s: p99 %s, %s cores%s"
                 % (fmt(many[0]), " (one connection each)" if many[3] else " (a publisher and a subscriber each)",
                    fmt(many[1], " ms"), fmt(many[2]),
                    "" if many[0] >= 10000 else " (the issue asks for 10,000)")))
    # Earlier issues: connections.
    heap = get("conn", lambda d: d["server_heap_per_connection_bytes"])
    held = get("conn", lambda d: d["open_after_hold"])
    rows.append(("100,000 idle connections, ≤ 10 KB heap each",
                 why_not("conn") if heap is None else
                 "%s at %s connections (%s KB heap each); 100,000 needs a machine with ulimit -n above 100,256"
                 % (verdict(heap <= 10240), fmt(held), fmt(heap / 1024.0))))
    lost_n = get("fanout-qos1", lambda d: d["lost"] + d["unconfirmed"] + d["failed"])
    subs = get("fanout-qos1", lambda d: d["parameters"]["subscribers"])
    rows.append(("fan-out 1 → 10,000 subscribers, no loss at QoS 1",
                 why_not("fanout-qos1") if lost_n is None else "%s (%s subscribers, %s lost or unconfirmed)"
                 % (verdict(lost_n == 0 and subs >= 10000), fmt(subs), fmt(lost_n))))
    clean = get("conn-max", lambda d: d["connects_per_s"])
    mq = get("conn-max", lambda d: d["connects_per_s"], "mosquitto")
    rows.append(("clean-session connects/s ≥ Mosquitto's (max rate, same run)",
                 why_not("conn-max") if clean is None else "%s (gateway %s, Mosquitto %s)"
                 % (verdict(mq is None or clean >= mq), fmt(clean), fmt(mq))))
    p99 = get("conn", lambda d: d["connect_latency"]["p99_ms"])
    rows.append(("connect p99 < 100 ms at 1,000 connects/s offered",
                 why_not("conn") if p99 is None else "%s (p99 %s ms)" % (verdict(p99 < 100), fmt(p99))))
    probe = get("conn", new_client_max)
    rows.append(("new client connects < 1 s after 10,000 dropped at once",
                 why_not("conn") if probe is None else "%s (slowest of 10: %s)"
                 % (verdict(isinstance(probe, (int, float)) and probe < 1000), fmt(probe, " ms"))))
    persistent = get("conn-persistent", lambda d: (d["connects_per_s"], d["failed"]))
    rows.append(("persistent-session connects ≥ 2,000/s",
                 why_not("conn-persistent") if persistent is None else "%s (%s/s, %s refused or failed)"
                 % (verdict(persistent[0] >= 2000 and persistent[1] == 0), fmt(persistent[0]), fmt(persistent[1]))))
    return rows


# The headline scenarios bench/guard.sh reruns: each as a ratio gateway ÷ Mosquitto of one run.
HEADLINES = [
    # name, scenario, how to read it, whether a higher ratio is better
    ("pubsub-qos1-1k p99", "pubsub-qos1-1k", lambda d: d["latency"]["p99_ms"], False),
    ("pubsub-qos1-1k cpu", "pubsub-qos1-1k", cores_per_1k, False),
    ("pubsub-qos1-max msg/s", "pubsub-qos1-max", lambda d: d["received_per_s"], True),
    ("pubsub-qos0-4x4 msg/s", "pubsub-qos0-4x4", lambda d: d["received_per_s"], True),
]


def headline_ratios(results):
    """Gateway ÷ Mosquitto for each headline, with both figures; ratio None where either is missing."""
    out = {}
    for name, scenario, read, higher in HEADLINES:
        values = {}
        for server in ("gateway", "mosquitto"):
            doc = results.get((server, scenario))
            value = None
            if doc is not None and "error" not in doc and "skipped" not in doc:
                try:
                    value = read(doc)
                except (KeyError, TypeError):
                    value = None
            values[server] = value if isinstance(value, (int, float)) else None
        gw, mq = values["gateway"], values["mosquitto"]
        out[name] = {
            "gateway": gw,
            "mosquitto": mq,
            "ratio": round(gw / mq, 4) if gw is not None and mq is not None and gw > 0 and mq > 0 else None,
            "higher_is_better": higher,
        }
    return out


def plot(results, servers, png, work):
    gnuplot = shutil.which("gnuplot")
    series = []
    for server in servers:
        doc = results.get((server, PLOT_SCENARIO))
        if not doc or "error" in doc or not doc.get("latency_percentiles"):
            continue
        data = os.path.join(work, "plot-%s.dat" % server)
        with open(data, "w") as f:
            for point in doc["latency_percentiles"]:
                p = point["percentile"]
                if p >= 100:
                    continue
                f.write("%g %g\n" % (1.0 / (1.0 - p / 100.0), max(point["ms"], 0.001)))
        series.append((server, data))
    if not series:
        return "no latency data to plot"
    if gnuplot is None:
        return "gnuplot is not installed (apt-get install gnuplot-nox); no plot"
    script = os.path.join(work, "latency.gp")
    with open(script, "w") as f:
        f.write('set terminal pngcairo size 900,520 font ",10"\n' if has_cairo(gnuplot) else 'set terminal png size 900,520\n')
        f.write('set output "%s"\n' % png)
        f.write('set title "End-to-end latency by percentile, QoS 1, 1 -> 1 at 1,000 msg/s"\n')
        f.write("set logscale xy\nset grid\n")
        f.write('set xlabel "percentile"\nset ylabel "latency (ms)"\n')
        f.write('set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)\n')
        f.write("set key top left\n")
        f.write("plot " + ", ".join('"%s" using 1:2 with linespoints lw 2 title "%s"' % (d, TITLES[s]) for s, d in series) + "\n")
    subprocess.run([gnuplot, script], check=True)
    return None


def has_cairo(gnuplot):
    out = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (out.stdout + out.stderr)


GUARD_SECTION = """## Regression guard

`bench/guard.sh` reruns the headline scenarios against this gateway and Mosquitto in one run, after
the same unrecorded warm-up as above: QoS 1 1→1 at 1,000 msg/s (p99 and cpu), QoS 1 1→1 max rate
and QoS 0 4→4 max rate (delivered msg/s). It computes each gateway ÷ Mosquitto ratio, compares it
with the ratio committed in `bench/baseline.json`, and exits 1 naming every headline whose ratio
got worse by more than 20% (a msg/s ratio lower, a p99 or cpu ratio higher), 2 when a headline
could not be measured or there is no baseline. Run by hand, not in CI, on a quiet machine:

```
mvn -B -ntp -pl distribution -am package -DskipTests
bench/guard.sh              # check against bench/baseline.json
bench/guard.sh --record     # measure and write bench/baseline.json
```

`bench/compare.sh` writes `bench/baseline.json` too whenever it writes this report, so the committed
ratios are the report's. `TOLERANCE=0.2`, `DURATION`, `WARMUP` and the gateway's settings as for
compare.sh.
""".split("\n")

# Hand-written sections below this line in the report survive a regeneration (measurements made
# by hand, with their commands).
KEEP_MARKER = "<!-- Hand-written below this line: bench/compare.sh keeps it when it regenerates the report. -->"


def kept_tail(out):
    if not os.path.exists(out):
        return [KEEP_MARKER, ""]
    with open(out) as f:
        text = f.read()
    at = text.find(KEEP_MARKER)
    return [KEEP_MARKER, ""] if at < 0 else text[at:].rstrip("\n").split("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", required=True)
    ap.add_argument("--warmup", required=True)
    ap.add_argument("--findings")
    ap.add_argument("--ratios-out", help="also write the headline gateway ÷ Mosquitto ratios here (bench/guard.sh reads them)")
    args = ap.parse_args()

    results = load_results(os.path.join(args.work, "results"))
    machine = read_lines(os.path.join(args.work, "machine.txt"))
    servers_run = read_lines(os.path.join(args.work, "servers.txt"))
    scenarios = read_lines(os.path.join(args.work, "scenarios.txt"))
    commands = read_lines(os.path.join(args.work, "commands.txt"))
    status = {row[0]: (row[1], "|".join(row[2:])) for row in servers_run}
    columns = [s for s in SERVERS if s in status]
    ran = [s for s in columns if status[s][0] == "ran"]

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    png_name = "benchmarks-latency.png"
    plot_problem = plot(results, ran, os.path.join(out_dir, png_name), args.work)

    md = []
    w = md.append
    w("# Benchmarks")
    w("")
    w("Generated by `bench/compare.sh` (do not edit by hand: rerun it; hand-written findings live in "
      "`bench/findings.md` and are copied in below). Every server ran alone on this machine, one after "
      "the other, on 127.0.0.1, driven by `mqtt-bench` (module `mqtt-bench/`) in a separate JVM on the same "
      "machine: the load generator competes with the server for the same cores, and the tables say how much "
      "CPU each used.")
    w("")
    w("Each message scenario warms up for %s, measures for %s, then waits up to 10 s for the last "
      "messages. Rates count only the measured window; loss counts every message the server confirmed "
      "(PUBACK/PUBCOMP) and never delivered. \"max rate\" means as fast as the server delivers end to end: "
      "publishers pause while subscribers are more than 500 messages behind, so max-rate latency is mostly "
      "that queue (see `--max-backlog`); latency is meaningful at a fixed rate. \"cpu\" is the server's "
      "CPU time (user + system, `/proc/PID/stat`) over the measured window only, divided by the window: "
      "server cores, and server cores per 1,000 msg/s delivered. Each server is started twice: once for "
      "the first minute after start (QoS 1 at 1,000 msg/s, no warm-up: what the JIT costs), then afresh "
      "for the rest, in this order: `idle` (no client yet), `conn` (so its memory baseline is clean), the "
      "other connect scenarios, an unrecorded 20 s QoS 1 warm-up (so JIT-compiled servers are not measured "
      "cold), the message scenarios, and for the gateway its RocketMQ paths and the storage baseline; after "
      "the connect scenarios, the fan-out and many-devices, compare.sh waits until a new client can "
      "connect again and reports how long that took." % (args.warmup, args.duration))
    w("")
    w("## Servers")
    w("")
    w("| server | status | how it ran |")
    w("| --- | --- | --- |")
    for s in SERVERS:
        st, note = status.get(s, ("not requested", ""))
        w("| %s | %s | %s |" % (TITLES[s], st, note.replace("|", "/")))
    w("")
    w("## Machine and versions")
    w("")
    w("| | |")
    w("| --- | --- |")
    for row in machine:
        w("| %s | %s |" % (row[0], "|".join(row[1:]).replace("|", "/")))
    w("")
    w("## Results")
    w("")
    header = "| metric | " + " | ".join(TITLES[s] for s in columns) + " |"
    if "gateway" in columns:
        peers = [s for s in columns if s != "gateway"]
        header += "".join(" gateway ÷ %s |" % TITLES[p] for p in peers)
    else:
        peers = []
    w(header)
    w("| --- " * (header.count("|") - 1) + "|")
    for m in METRICS:
        values = {s: m.value(results, s) for s in columns}
        row = "| %s%s | " % (m.label, "" if m.higher_is_better else " (lower is better)")
        row += " | ".join(fmt(values[s], m.unit) if status[s][0] == "ran" else status[s][0] for s in columns) + " |"
        for p in peers:
            row += " %s |" % ratio(values.get("gateway"), values.get(p))
        w(row)
    w("")
    skipped = sorted({(sc, doc["skipped"]) for (srv, sc), doc in results.items() if srv in ran and "skipped" in doc})
    for sc, why in skipped:
        w("`%s` skipped: %s." % (sc, why.rstrip(".")))
        w("")
    if "gateway" not in ran:
        w("The gateway column is empty: %s. Rerun `bench/compare.sh` once "
          "`distribution/target/rocketmq-mqtt/bin/mqtt-standalone` starts, and the ratio columns fill in."
          % status.get("gateway", ("", "it was not requested"))[1].rstrip(". "))
        w("")
    w("### Targets (from the issue)")
    w("")
    w("| target | where we stand |")
    w("| --- | --- |")
    for t, v in targets(results):
        w("| %s | %s |" % (t, v))
    w("")
    w("### CPU during each scenario")
    w("")
    w("Cores busy during the measured window (2 = both cores of this machine): the server, the load "
      "generator, and anything else on the machine. A large \"other\" figure means another process competed "
      "for the cores and the row is worth less.")
    w("")
    w("`cpu` is server cores per 1,000 msg/s delivered (server cores ÷ delivered msg/s × 1,000): what a message "
      "costs the server, comparable between rates.")
    w("")
    w("| scenario | server | server cores | cpu | delivered msg/s | mqtt-bench cores | other cores | sent | failed or unconfirmed | lost | duplicates | out of order |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for sc in scenarios:
        name = sc[0]
        for s in ran:
            doc = results.get((s, name))
            if doc is None or (name.startswith("conn") and "error" not in doc):
                continue
            if "error" in doc:
                w("| %s | %s | failed: %s | | | | | | | | | |" % (name, TITLES[s], doc["error"].replace("|", "/")[:200]))
                continue
            if "skipped" in doc:
                w("| %s | %s | skipped | | | | | | | | | |" % (name, TITLES[s]))
                continue
            if name == "idle":
                w("| %s | %s | %s | — | — | %s | %s | %s threads | | | | |" % (
                    name, TITLES[s], fmt(doc.get("server_cpu_cores")), fmt(doc.get("bench_cpu_cores")),
                    fmt(doc.get("other_cpu_cores")), fmt(doc.get("server_threads"))))
                continue
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, TITLES[s], fmt(doc.get("server_cpu_cores")), fmt(cores_per_1k(doc)), fmt(doc.get("received_per_s")),
                fmt(doc.get("bench_cpu_cores")), fmt(doc.get("other_cpu_cores")), fmt(doc.get("sent")),
                fmt(doc.get("unconfirmed", 0) + doc.get("failed", 0)),
                fmt(doc.get("lost")), fmt(doc.get("duplicates")), fmt(doc.get("out_of_order"))))
    w("")
    base = results.get(("gateway", "baseline-storage"))
    if base is not None and "gateway" in ran:
        w("### Storage baseline (gateway only)")
        w("")
        w("A plain RocketMQ producer → consumer (`mqtt-bench backend --direction storage`, max rate, one queue, "
          "64 B) on the standalone's own embedded broker, no MQTT: what the storage under the gateway delivers "
          "by itself, next to the gateway's QoS 1 1→1 max rate over MQTT.")
        w("")
        if "error" in base:
            w("(failed: %s)" % base["error"][:300])
        else:
            d = storage(base)
            gw = results.get(("gateway", "pubsub-qos1-max"), {}).get("received_per_s")
            w("| path | delivered msg/s | server cores | cpu | p50 | p99 | lost |")
            w("| --- | --- | --- | --- | --- | --- | --- |")
            w("| RocketMQ producer → consumer | %s | %s | %s | %s ms | %s ms | %s |" % (
                fmt(d["received_per_s"]), fmt(d.get("server_cpu_cores")), fmt(cores_per_1k(d)),
                fmt(d["latency"]["p50_ms"]), fmt(d["latency"]["p99_ms"]), fmt(lost(d))))
            g = results.get(("gateway", "pubsub-qos1-max"), {})
            if "received_per_s" in g:
                w("| MQTT QoS 1 1→1 through the gateway | %s | %s | %s | %s ms | %s ms | %s |" % (
                    fmt(g["received_per_s"]), fmt(g.get("server_cpu_cores")), fmt(cores_per_1k(g)),
                    fmt(g["latency"]["p50_ms"]), fmt(g["latency"]["p99_ms"]), fmt(lost(g))))
            w("")
            if gw and d["received_per_s"] > 0:
                w("The gateway delivers **{:.0%}** of the storage's own rate.".format(gw / d["received_per_s"]))
                w("")
    backend = results.get(("gateway", "backend"))
    if backend and "directions" in backend:
        w("### Backend paths (gateway only)")
        w("")
        w("| direction | delivered msg/s | p50 | p99 | lost |")
        w("| --- | --- | --- | --- | --- |")
        for d in backend["directions"]:
            w("| %s | %s | %s ms | %s ms | %s |" % (d["scenario"], fmt(d["received_per_s"]), fmt(d["latency"]["p50_ms"]),
                                                 fmt(d["latency"]["p99_ms"]), fmt(d["lost"])))
        w("")
    w("## Latency")
    w("")
    if plot_problem:
        w("(%s)" % plot_problem)
    else:
        w("![latency by percentile](%s)" % png_name)
    w("")
    w("| server | p50 | p90 | p99 | p99.9 | max |")
    w("| --- | --- | --- | --- | --- | --- |")
    for s in ran:
        doc = results.get((s, PLOT_SCENARIO))
        if doc and "latency" in doc:
            l = doc["latency"]
            w("| %s | %s | %s | %s | %s | %s |" % (TITLES[s], fmt(l["p50_ms"], " ms"), fmt(l["p90_ms"], " ms"),
                                                   fmt(l["p99_ms"], " ms"), fmt(l["p999_ms"], " ms"), fmt(l["max_ms"], " ms")))
    w("")
    profiles = [s for s in ran if os.path.exists(os.path.join(args.work, "results", "%s--profile.txt" % s))]
    if profiles:
        w("## Profiles (JFR, QoS 1 max-rate scenario)")
        w("")
        for s in profiles:
            w("### %s" % TITLES[s])
            w("")
            w("```")
            with open(os.path.join(args.work, "results", "%s--profile.txt" % s)) as f:
                w(f.read().rstrip())
            w("```")
            w("")
    if args.findings and os.path.exists(args.findings):
        with open(args.findings) as f:
            w(f.read().rstrip())
        w("")
    w("## Exact commands")
    w("")
    w("```")
    w("bench/compare.sh   # DURATION=%s WARMUP=%s" % (args.duration, args.warmup))
    seen = set()
    for row in commands:
        line = "|".join(row[1:])
        if line not in seen:
            seen.add(line)
            w(line)
    w("```")
    w("")
    w("`mqtt-bench.jar` is `mqtt-bench/target/mqtt-bench-*.jar` (with `target/lib/`); PORT and PID are the "
      "server's, FILE the JSON result. Each scenario's full JSON (per-subscriber counts, percentiles) is "
      "kept with `KEEP=1 bench/compare.sh`.")
    w("")
    md.extend(GUARD_SECTION)
    md.extend(kept_tail(args.out))
    with open(args.out, "w") as f:
        f.write("\n".join(md).rstrip("\n") + "\n")
    if args.ratios_out:
        gateway_row = dict(machine_row for machine_row in ((r[0], "|".join(r[1:])) for r in machine))
        with open(args.ratios_out, "w") as f:
            json.dump({"written_by": "bench/compare.sh", "date": gateway_row.get("date"),
                       "gateway": gateway_row.get("gateway"), "duration": args.duration, "warmup": args.warmup,
                       "ratios": headline_ratios(results)}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
