package org.rmqtt.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.rmqtt.common.mapping.LmqNames;

/** The LMQs a message on a topic is indexed in: its exact topic's, then each matching wildcard filter's. */
public final class LmqDispatch {
    private LmqDispatch() {
    }

    /**
     * Where the broker indexed a stored message: the LMQs of its dispatch list and its offset in
     * each, as the broker wrote them into the message.
     *
     * @param complete false when the broker's two lists differ in length (then only the pairs
     *                 both have are kept)
     */
    public record Dispatched(List<String> lmqs, List<Long> offsets, boolean complete) {

        /** The result of dispatch on {@code m}, or null if it carries none (not, or not yet, dispatched). */
        public static Dispatched of(Message m) {
            return of(m.getProperty(MessageConst.PROPERTY_INNER_MULTI_DISPATCH),
                    m.getProperty(MessageConst.PROPERTY_INNER_MULTI_QUEUE_OFFSET));
        }

        /** From the two properties' values; null if either is missing. */
        public static Dispatched of(String dispatch, String offsets) {
            if (dispatch == null || offsets == null) {
                return null;
            }
            String[] names = dispatch.split(MixAll.LMQ_DISPATCH_SEPARATOR);
            String[] values = offsets.split(MixAll.LMQ_DISPATCH_SEPARATOR);
            int n = Math.min(names.length, values.length);
            List<Long> parsed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                parsed.add(Long.parseLong(values[i]));
            }
            return new Dispatched(List.of(names).subList(0, n), parsed, names.length == values.length);
        }

        /** The message's offset in {@code lmq}, or {@code fallback} if it was not dispatched there. */
        public long offsetOf(String lmq, long fallback) {
            int i = lmqs.indexOf(lmq);
            return i < 0 ? fallback : offsets.get(i);
        }
    }

    /**
     * Asks the broker to index {@code msg} in {@code lmqs}. The property is reserved
     * ({@code putUserProperty} refuses it), so it is set the internal way.
     */
    public static void setOn(Message msg, List<String> lmqs) {
        MessageAccessor.putProperty(msg, MessageConst.PROPERTY_INNER_MULTI_DISPATCH,
                String.join(MixAll.LMQ_DISPATCH_SEPARATOR, lmqs));
    }

    public static List<String> lmqs(String topic, Collection<String> matchingWildcardFilters) {
        List<String> lmqs = new ArrayList<>(1 + matchingWildcardFilters.size());
        lmqs.add(LmqNames.of(topic));
        for (String filter : matchingWildcardFilters) {
            lmqs.add(LmqNames.of(filter));
        }
        return lmqs;
    }
}
