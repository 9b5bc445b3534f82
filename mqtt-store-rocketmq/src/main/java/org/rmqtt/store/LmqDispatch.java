package org.rmqtt.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.rmqtt.common.mapping.LmqNames;

/** The LMQs a message on a topic is indexed in: its exact topic's, then each matching wildcard filter's. */
public final class LmqDispatch {
    private LmqDispatch() {
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
