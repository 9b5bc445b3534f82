#!/usr/bin/env bash
# Where an idle JVM spends its CPU: samples each thread's CPU time twice, SECONDS apart, and prints
# the process's cores and thread count, the TOP threads by CPU in that window, and the thread
# count and CPU per name group (a name with its trailing digits, dashes and underscores removed).
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

# tid name nanoseconds, one line per thread; the name is taken from comm (it may hold spaces).
sample() {
  local t
  for t in /proc/"$pid"/task/*; do
    local ns comm
    ns=$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null) || continue
    comm=$(tr ' ' '_' < "$t/comm" 2>/dev/null) || continue
    echo "${t##*/} $comm $ns"
  done
}

before=$(sample)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$secs"
after=$(sample)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

join_deltas() {
  awk 'NR == FNR { start[$1] = $3; next } { printf "%.0f %s\n", $3 - (($1 in start) ? start[$1] : 0), $2 }' \
    <(echo "$before") <(echo "$after")
}
deltas=$(join_deltas)
awk -v hz="$hz" -v secs="$secs" -v lb="$load_before" -v la="$load_after" \
  '{ total += $1; n++ } END { printf "cores %.4f  threads %d  over %d s  load average %s -> %s\n", total / hz / secs, n, secs, lb, la }' \
  <<< "$deltas"
echo
echo "top $top threads by CPU (cores, name)"
sort -k1,1nr <<< "$deltas" | head -n "$top" | awk -v hz="$hz" -v secs="$secs" '{ printf "%8.4f  %s\n", $1 / hz / secs, $2 }'
echo
echo "threads and cores per name group"
awk -v hz="$hz" -v secs="$secs" '{ g = $2; gsub(/[-_#0-9]+$/, "", g); n[g]++; c[g] += $1 }
  END { for (g in n) printf "%4d  %8.4f  %s\n", n[g], c[g] / hz / secs, g }' <<< "$deltas" | sort -k1,1nr -k2,2nr
