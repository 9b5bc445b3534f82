package org.rmqtt.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.session.SessionRegistry;
import org.rmqtt.gateway.subscribe.SubscriptionIndex;
import org.rmqtt.meta.InMemoryMetaClient;

/** The Grafana dashboard in docs/grafana parses and only asks for metrics a gateway exports. */
class DashboardTest {
    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "rmqtt-gateway.json");
    private static final Pattern METRIC = Pattern.compile("\\b(?:mqtt|jvm|process|system)_[a-z0-9_]+");

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JSONObject dashboard = JSON.parseObject(Files.readString(DASHBOARD));
        assertThat(dashboard.getString("title")).isNotBlank();
        assertThat(dashboard.getJSONObject("templating").getJSONArray("list")).extracting(v -> ((JSONObject) v).getString("name"))
                .contains("datasource", "node");
        List<String> exprs = new ArrayList<>();
        JSONArray panels = dashboard.getJSONArray("panels");
        for (int i = 0; i < panels.size(); i++) {
            JSONArray targets = panels.getJSONObject(i).getJSONArray("targets");
            for (int t = 0; targets != null && t < targets.size(); t++) {
                exprs.add(targets.getJSONObject(t).getString("expr"));
            }
        }
        assertThat(exprs).hasSizeGreaterThan(20).allSatisfy(e -> assertThat(e).contains("node=~\"$node\""));
        Set<String> used = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                used.add(m.group());
            }
        }

        InMemoryMetaClient meta = new InMemoryMetaClient();
        try (GatewayMetrics metrics = new GatewayMetrics("n1")) {
            metrics.bindHealth(new Counters());
            metrics.bindViolations(new ViolationCounters());
            metrics.bindSessions(new SessionRegistry("n1", meta, null, Duration.ZERO), new SubscriptionIndex("n1", meta));
            metrics.metaCallListener();
            metrics.bindEmbeddedBroker(() -> 1, () -> 2);
            // GC pauses are registered with the first collection.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                System.gc();
                assertThat(new Scrape(metrics.scrape()).sampleNames()).contains("jvm_gc_pause_seconds_sum");
            });
            assertThat(new Scrape(metrics.scrape()).sampleNames()).containsAll(used);
        } finally {
            meta.close();
        }
    }
}
