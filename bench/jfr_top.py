#!/usr/bin/env python3
"""Summarises a JFR recording: where the sampled CPU time went, by top frame and by package.

Usage: jfr_top.py RECORDING.jfr [N]. Needs the JDK's `jfr` tool on the PATH. Standard library only.
"""
import collections
import re
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    top_n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    jfr = shutil.which("jfr")
    if jfr is None:
        print("jfr (from the JDK) is not on the PATH", file=sys.stderr)
        return 2
    text = subprocess.run([jfr, "print", "--events", "jdk.ExecutionSample", sys.argv[1]],
                          capture_output=True, text=True, check=True).stdout
    frames = collections.Counter()
    packages = collections.Counter()
    threads = collections.Counter()
    samples = 0
    for event in text.split("jdk.ExecutionSample")[1:]:
        thread = re.search(r'sampledThread = "([^"]*)"', event)
        stack = re.search(r"stackTrace = \[\s*\n\s*(\S[^\n]*)", event)
        if not stack:
            continue
        samples += 1
        top = re.sub(r"\s+line:.*", "", stack.group(1)).strip()
        frames[top] += 1
        method = top.split("(")[0]
        packages[".".join(method.split(".")[:-2]) or method] += 1
        if thread:
            threads[re.sub(r"\d+", "N", thread.group(1))] += 1
    print("%d CPU samples" % samples)
    for title, counter in (("top frames", frames), ("packages", packages), ("threads", threads)):
        print("\n%s:" % title)
        for name, count in counter.most_common(top_n):
            print("  %5.1f%%  %s" % (100.0 * count / max(1, samples), name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
