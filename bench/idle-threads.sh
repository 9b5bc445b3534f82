#!/usr/bin/env bash
# Where a JVM spends its CPU, idle or under load: samples each thread's CPU time and context
# switches twice, SECONDS apart, and prints the process's cores and thread count, the TOP threads
# by CPU in that window with their voluntary (woken) and involuntary (preempted) switches per
# second, and the thread count and CPU per name group (a name with its trailing digits, dashes
# and underscores removed). Under load, switches per message are what a hand-off costs.
#
#   bench/idle-threads.sh PID [SECONDS=60] [TOP=15]
#
# CPU time is the first field of /proc/PID/task/*/schedstat (nanoseconds, exact); utime+stime of
# .../stat count whole clock ticks, too coarse for threads that run a few microseconds at a time.
# Only reads /proc; start the server yourself (e.g. bin/mqtt-standalone -d) and wait for it to settle.
set -euo pipefail
pid=${1:?usage: idle-threads.sh PID [SECONDS] [TOP]}
secs=${2:-60}
top=${3:-15}
hz=1000000000

# tid name nanoseconds voluntary involuntary, one line per thread; the name is taken from comm
# (it may hold spaces).
sample() {
  local t
  for t in /proc/"$pid"/task/*; do
    local ns comm switches
    ns=$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null) || continue
    comm=$(tr ' ' '_' < "$t/comm" 2>/dev/null) || continue
    switches=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + 0, n + 0 }' \
      "$t/status" 2>/dev/null) || continue
    echo "${t##*/} $comm $ns $switches"
  done
}

before=$(sample)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$secs"
after=$(sample)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

join_deltas() {
  awk 'NR == FNR { start[$1] = $3; vol[$1] = $4; inv[$1] = $5; next }
    { printf "%.0f %s %.0f %.0f\n", $3 - start[$1], $2, $4 - vol[$1], $5 - inv[$1] }' \
    <(echo "$before") <(echo "$after")
}
deltas=$(join_deltas)
awk -v hz="$hz" -v secs="$secs" -v lb="$load_before" -v la="$load_after" \
  '{ total += $1; n++ } END { printf "cores %.4f  threads %d  over %d s  load average %s -> %s\n", total / hz / secs, n, secs, lb, la }' \
  <<< "$deltas"
echo
echo "top $top threads by CPU (cores, voluntary and involuntary switches per second, name)"
sort -k1,1nr <<< "$deltas" | head -n "$top" | awk -v hz="$hz" -v secs="$secs" \
  '{ printf "%8.4f  %8.0f  %8.0f  %s\n", $1 / hz / secs, $3 / secs, $4 / secs, $2 }'
echo
echo "threads and cores per name group"
awk -v hz="$hz" -v secs="$secs" '{ g = $2; gsub(/[-_#0-9]+$/, "", g); n[g]++; c[g] += $1 }
  END { for (g in n) printf "%4d  %8.4f  %s\n", n[g], c[g] / hz / secs, g }' <<< "$deltas" | sort -k1,1nr -k2,2nr
