package org.rmqtt.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.common.health.Counters;
import org.rmqtt.gateway.connection.Violation;
import org.rmqtt.gateway.connection.ViolationCounters;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.meta.MetaUnavailableException;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.StoreException;
import org.rmqtt.store.PublishReceipt;
import org.rmqtt.store.PublishRequest;
import org.rmqtt.store.PullBatch;

class GatewayMetricsTest {
    private final GatewayMetrics metrics = new GatewayMetrics("node-a");

    @AfterEach
    void close() {
        metrics.close();
    }

    private Scrape scrape() {
        return new Scrape(metrics.scrape());
    }

    /** A channel as the gateway builds it, minus the MQTT handlers: bytes, codec, packets. */
    private EmbeddedChannel channel() {
        return new EmbeddedChannel(metrics.byteCounter(), new MqttDecoder(), MqttEncoder.INSTANCE, metrics.packetCounter());
    }

    private static ByteBuf encode(Object packet) {
        EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.writeOutbound(packet);
        return encoder.readOutbound();
    }

    @Test
    void keepingMetricsStartsNoThread() {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (GatewayMetrics another = new GatewayMetrics("node-b")) {
            another.bindHealth(new Counters());
            another.metaCallListener();
            another.scrape();
            assertThat(Thread.getAllStackTraces().keySet()).allSatisfy(t -> assertThat(before).contains(t));
        }
    }

    @Test
    void everyMeterCarriesTheNodeTag() {
        String text = metrics.scrape();
        assertThat(text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())).isNotEmpty()
                .allSatisfy(l -> assertThat(l).contains("node=\"node-a\""));
    }

    @Test
    void countsPublishesByQosBothWaysAndTheirBytes() {
        EmbeddedChannel ch = channel();
        assertThat(scrape().value("mqtt_connections", "node=\"node-a\"")).isEqualTo(1);
        int inBytes = 0;
        for (MqttQoS qos : new MqttQoS[] {MqttQoS.AT_MOST_ONCE, MqttQoS.AT_LEAST_ONCE, MqttQoS.AT_LEAST_ONCE, MqttQoS.EXACTLY_ONCE}) {
            ByteBuf bytes = encode(Packets.publish("a/b", qos, 7, "hello"));
            inBytes += bytes.readableBytes();
            ch.writeInbound(bytes);
        }
        Object read;
        while ((read = ch.readInbound()) != null) {
            ReferenceCountUtil.release(read);
        }
        ch.writeOutbound(Packets.publish("a/b", MqttQoS.EXACTLY_ONCE, 9, "out"));
        ByteBuf written = ch.readOutbound();
        int outBytes = written.readableBytes();
        written.release();

        Scrape s = scrape();
        assertThat(s.value("mqtt_messages_received_total", "qos=\"0\"")).isEqualTo(1);
        assertThat(s.value("mqtt_messages_received_total", "qos=\"1\"")).isEqualTo(2);
        assertThat(s.value("mqtt_messages_received_total", "qos=\"2\"")).isEqualTo(1);
        assertThat(s.value("mqtt_messages_sent_total", "qos=\"0\"")).isZero();
        assertThat(s.value("mqtt_messages_sent_total", "qos=\"2\"")).isEqualTo(1);
        assertThat(s.value("mqtt_received_bytes_total")).isEqualTo(inBytes);
        assertThat(s.value("mqtt_sent_bytes_total")).isEqualTo(outBytes);

        ch.close();
        assertThat(scrape().value("mqtt_connections")).isZero();
    }

    @Test
    void malformedPacketsAreNotCountedAsMessages() {
        EmbeddedChannel ch = channel();
        // PUBLISH with QoS 3: the decoder hands on a failed message.
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}));
        Object read;
        while ((read = ch.readInbound()) != null) {
            ReferenceCountUtil.release(read);
        }
        Scrape s = scrape();
        for (int qos = 0; qos < 3; qos++) {
            assertThat(s.value("mqtt_messages_received_total", "qos=\"" + qos + "\"")).isZero();
        }
        assertThat(s.value("mqtt_received_bytes_total")).isEqualTo(7);
        ch.finishAndReleaseAll();
    }

    @Test
    void connectsByResult() {
        EmbeddedChannel accepted = channel();
        accepted.writeInbound(encode(Packets.connect("c1", true, 60)));
        accepted.writeOutbound(MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).build());
        EmbeddedChannel refused = channel();
        refused.writeInbound(encode(Packets.connect("c2", true, 60)));
        refused.writeOutbound(MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED).build());
        EmbeddedChannel dropped = channel();
        dropped.writeInbound(encode(Packets.connect("c3", true, 60)));
        EmbeddedChannel silent = channel(); // no CONNECT at all: not a connect attempt
        for (EmbeddedChannel ch : new EmbeddedChannel[] {accepted, refused, dropped, silent}) {
            ch.finishAndReleaseAll();
        }

        Scrape s = scrape();
        assertThat(s.value("mqtt_connects_total", "result=\"accepted\"")).isEqualTo(1);
        assertThat(s.value("mqtt_connects_total", "result=\"refused_identifier_rejected\"")).isEqualTo(1);
        assertThat(s.value("mqtt_connects_total", "result=\"closed_without_connack\"")).isEqualTo(1);
        assertThat(s.value("mqtt_connects_total", "result=\"refused_server_unavailable\"")).isZero();
        assertThat(s.value("mqtt_connections")).isZero();
    }

    @Test
    void violationsAndHealthCountersAreReadWhenScraped() {
        ViolationCounters violations = new ViolationCounters();
        Counters gateway = new Counters();
        Counters meta = new Counters();
        metrics.bindViolations(violations);
        metrics.bindHealth(gateway, meta);
        violations.increment(Violation.RESERVED_FLAGS);
        violations.increment(Violation.RESERVED_FLAGS);
        gateway.add(Counters.Name.NOTIFY_EVENTS_DROPPED, 3);
        gateway.add(Counters.Name.NOTIFY_BACKLOG, 5);
        gateway.add(Counters.Name.CATCH_UP_MILLIS, 1500);
        meta.increment(Counters.Name.META_TIMEOUTS);

        Scrape s = scrape();
        assertThat(s.value("mqtt_protocol_errors_total", "reason=\"reserved_flags\"")).isEqualTo(2);
        assertThat(s.value("mqtt_protocol_errors_total", "reason=\"connect_timeout\"")).isZero();
        assertThat(s.sampleNames()).contains("mqtt_protocol_errors_total");
        assertThat(s.value("mqtt_notify_events_dropped_total")).isEqualTo(3);
        assertThat(s.value("mqtt_notify_backlog")).isEqualTo(5);
        assertThat(s.value("mqtt_catch_up_time_seconds_total")).isEqualTo(1.5);
        assertThat(s.value("mqtt_meta_timeouts_total")).isEqualTo(1);
        // One meter per reason and per health counter.
        assertThat(metrics.scrape().lines().filter(l -> l.startsWith("mqtt_protocol_errors_total{"))).hasSize(Violation.values().length);
        for (Counters.Name name : Counters.Name.values()) {
            assertThat(metrics.registry().find(GatewayMetrics.healthName(name)).meter()).as(name.name()).isNotNull();
        }
    }

    @Test
    void sourcesWithoutAnotherOwnerAreStillReadAfterGc() {
        Counters only = new Counters();
        metrics.bindHealth(only);
        only.add(Counters.Name.NOTIFY_BACKLOG, 4);
        only = null;
        System.gc();
        assertThat(scrape().value("mqtt_notify_backlog")).isEqualTo(4);
    }

    @Test
    void metaCallsAreTimedByKindAndFailuresCountedByReason() {
        var listener = metrics.metaCallListener();
        listener.finished(true, 2_000_000, null);
        listener.finished(false, 1_000_000, null);
        listener.finished(false, 3_000_000, null);
        listener.finished(true, 5_000_000, new MetaUnavailableException("no leader"));
        listener.finished(false, 5_000_000, new IllegalStateException("bad reply"));

        Scrape s = scrape();
        assertThat(s.value("mqtt_meta_calls_seconds_count", "kind=\"write\"")).isEqualTo(1);
        assertThat(s.value("mqtt_meta_calls_seconds_count", "kind=\"read\"")).isEqualTo(2);
        assertThat(s.value("mqtt_meta_calls_seconds_sum", "kind=\"read\"")).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.value("mqtt_meta_call_errors_total", "kind=\"write\"", "reason=\"unavailable\"")).isEqualTo(1);
        assertThat(s.value("mqtt_meta_call_errors_total", "kind=\"read\"", "reason=\"failed\"")).isEqualTo(1);
        assertThat(s.value("mqtt_meta_call_errors_total", "kind=\"read\"", "reason=\"unavailable\"")).isZero();
    }

    @Test
    void notifyLagIsRecordedAndClockSkewCountsAsNone() {
        var lag = metrics.notifyLagRecorder();
        lag.accept(250);
        lag.accept(-40);
        Scrape s = scrape();
        assertThat(s.value("mqtt_notify_lag_seconds_count")).isEqualTo(2);
        assertThat(s.value("mqtt_notify_lag_seconds_sum")).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void storeSendsAndPullsAreTimedAndTheirFailuresCounted() throws Exception {
        MessageStore failing = new MessageStore() {
            @Override
            public CompletableFuture<PublishReceipt> publish(PublishRequest request) {
                return new CompletableFuture<>(); // never confirmed: neither timed nor failed
            }

            @Override
            public CompletableFuture<PullBatch> pull(String broker, String lmq, long offset, int max) {
                return CompletableFuture.failedFuture(new StoreException("broker down"));
            }

            @Override
            public CompletableFuture<Map<String, Long>> maxOffsets(String lmq) {
                return CompletableFuture.completedFuture(Map.of());
            }

            @Override
            public CompletableFuture<Map<String, Long>> subscriptionStart(String lmq) {
                return maxOffsets(lmq);
            }

            @Override
            public void close() {
            }
        };
        MessageStore timed = metrics.timed(failing);
        CompletableFuture<PullBatch> pulled = timed.pull("b", "lmq", 0, 10);
        assertThat(pulled).isCompletedExceptionally();
        // The caller sees the store's own failure, not a wrapped one.
        assertThat(pulled).isSameAs(pulled).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class).havingCause().isInstanceOf(StoreException.class);

        Scrape s = scrape();
        assertThat(s.value("mqtt_lmq_pull_errors_total")).isEqualTo(1);
        assertThat(s.value("mqtt_lmq_pull_seconds_count")).isZero();
        assertThat(s.sampleNames()).contains("mqtt_lmq_pull_seconds_bucket", "mqtt_store_send_seconds_bucket",
                "mqtt_store_send_errors_total");
    }

    @Test
    void nettyAndJvmMemoryAreExported() {
        assertThat(scrape().sampleNames()).contains("mqtt_netty_pooled_used_bytes", "mqtt_netty_pooled_arenas",
                "mqtt_netty_direct_used_bytes", "jvm_memory_used_bytes", "jvm_gc_live_data_size_bytes",
                "jvm_threads_live_threads", "process_cpu_usage", "jvm_classes_loaded_classes");
    }

    @Test
    void contentTypeIsTheTextFormat() {
        assertThat(GatewayMetrics.CONTENT_TYPE).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.scrape()).contains("# TYPE mqtt_messages_received_total counter");
    }
}
