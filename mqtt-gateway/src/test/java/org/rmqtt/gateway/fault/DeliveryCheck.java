package org.rmqtt.gateway.fault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What one subscriber received from its publishers, against what those publishers had
 * acknowledged: lost, duplicated, out of order, and the longest time without any receipt.
 *
 * @param lost              acknowledged sequence numbers never received
 * @param duplicates        receipts of a sequence number already received
 * @param duplicatesNoFlag  of those, receipts without DUP=1 (MQTT-3.3.1-1 says a redelivery has it)
 * @param outOfOrder        first receipts of an acknowledged number lower than an acknowledged one of the
 *                          same publisher received before. Unacknowledged messages are left out: a
 *                          publish under way when its connection died may be stored late by a gateway
 *                          that resumes, after what the publisher sent on its next connection, and
 *                          MQTT orders messages per connection only
 * @param unacknowledged    first receipts of messages whose publisher got no PUBACK (stored, ack lost)
 * @param longestGapMillis  the longest time without a receipt between {@code from} and the last receipt
 */
record DeliveryCheck(long acknowledged, long received, long lost, long duplicates, long duplicatesNoFlag,
        long outOfOrder, long unacknowledged, long longestGapMillis, List<String> lostSample) {

    /**
     * @param receipts  in arrival order; sequence numbers below 0 (warm-up) are ignored
     * @param acked     per publisher, the sequence numbers it got a PUBACK for
     * @param fromNanos start of the load, for the first gap
     */
    static DeliveryCheck of(Collection<QosLoad.Receipt> receipts, Map<Integer, Set<Long>> acked, long fromNanos) {
        Map<Integer, Set<Long>> seen = new HashMap<>();
        Map<Integer, Long> highest = new HashMap<>();
        long received = 0;
        long duplicates = 0;
        long noFlag = 0;
        long outOfOrder = 0;
        long unacknowledged = 0;
        long last = fromNanos;
        long gap = 0;
        for (QosLoad.Receipt r : receipts) {
            if (r.seq() < 0 || !acked.containsKey(r.publisher())) {
                continue;
            }
            received++;
            if (r.nanos() > last) {
                gap = Math.max(gap, r.nanos() - last);
                last = r.nanos();
            }
            if (!seen.computeIfAbsent(r.publisher(), p -> new HashSet<>()).add(r.seq())) {
                duplicates++;
                if (!r.dup()) {
                    noFlag++;
                }
                continue;
            }
            if (!acked.get(r.publisher()).contains(r.seq())) {
                unacknowledged++;
                continue;
            }
            Long top = highest.get(r.publisher());
            if (top != null && r.seq() < top) {
                outOfOrder++;
            } else {
                highest.put(r.publisher(), r.seq());
            }
        }
        long acknowledged = 0;
        long lost = 0;
        List<String> sample = new ArrayList<>();
        for (Map.Entry<Integer, Set<Long>> e : acked.entrySet()) {
            Set<Long> got = seen.getOrDefault(e.getKey(), Set.of());
            acknowledged += e.getValue().size();
            for (Long seq : new java.util.TreeSet<>(e.getValue())) {
                if (!got.contains(seq)) {
                    lost++;
                    if (sample.size() < 20) {
                        sample.add("p" + e.getKey() + ":" + seq);
                    }
                }
            }
        }
        return new DeliveryCheck(acknowledged, received, lost, duplicates, noFlag, outOfOrder, unacknowledged,
                TimeUnit.NANOSECONDS.toMillis(gap), List.copyOf(sample));
    }
}
