package org.rmqtt.gateway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.Packets;
import org.slf4j.LoggerFactory;

/**
 * Throws random bytes and mutated MQTT packets at the real pipeline (the initializer's handlers on
 * in-memory ports): no exception may escape a handler, no buffer may leak (the leak detector at
 * PARANOID), every connection ends open or closed, and the gateway goes on serving new clients.
 *
 * <p>A seeded mutation loop rather than a property-based library: the inputs are bytes, shrinking
 * would buy little, and the loop runs for a given number of tries or a given time. Defaults suit
 * CI (500 tries, about ten seconds on two busy cores); {@code -Dfuzz.tries=N} or {@code -Dfuzz.duration=5m} run it
 * longer, {@code -Dfuzz.seed=S} replays a run (the seed is in every failure message).
 */
class PipelineFuzzTest {
    private static final int TRIES = Integer.getInteger("fuzz.tries", 500);
    private static final Duration DURATION = parse(System.getProperty("fuzz.duration", "0s"));
    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    /** A new gateway every so many tries, so that long runs do not pile up sessions. */
    private static final int TRIES_PER_GATEWAY = 500;
    /** The client's side: encodes the valid packets that are then mutated. */
    private static final EmbeddedChannel ENCODER = new EmbeddedChannel(MqttEncoder.INSTANCE);

    /** WARN and ERROR lines that mean a handler threw, a task failed or a buffer leaked. */
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final List<Logger> watched = new ArrayList<>();
    private final AppenderBase<ILoggingEvent> recorder = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
                problems.add(e.getLoggerName() + ": " + e.getFormattedMessage()
                        + (e.getThrowableProxy() != null ? " " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage() : ""));
            }
        }
    };
    private ResourceLeakDetector.Level previousLevel;

    @BeforeEach
    void watch() {
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        // Told directly, not through its log line: once RocketMQ's remoting classes are loaded,
        // Netty logs into RocketMQ's own log files, where a LEAK line would go unseen.
        byteBufLeakDetector().setLeakListener((type, records) -> problems.add("LEAK of a " + type + ": " + records));
        recorder.start();
        // The leak detector, the pipeline's "reached the tail" warnings, failed event loop tasks,
        // and the gateway's last-resort handler for anything a handler threw.
        for (String name : List.of("io.netty", "org.rmqtt.gateway.connection.ExceptionHandler")) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(recorder);
            watched.add(logger);
        }
    }

    @AfterEach
    void unwatch() {
        byteBufLeakDetector().setLeakListener(null);
        watched.forEach(l -> l.detachAppender(recorder));
        recorder.stop();
        ResourceLeakDetector.setLevel(previousLevel);
    }

    @Test
    void randomAndMutatedPacketsNeitherThrowNorLeakAndTheGatewayKeepsServing() {
        Random random = new Random(SEED);
        long deadline = DURATION.isZero() ? Long.MAX_VALUE : System.nanoTime() + DURATION.toNanos();
        int tries = DURATION.isZero() ? TRIES : Integer.MAX_VALUE;
        EmbeddedGateway gateway = new EmbeddedGateway();
        long started = System.nanoTime();
        int done = 0;
        try {
            for (; done < tries && System.nanoTime() < deadline; done++) {
                if (done > 0 && done % TRIES_PER_GATEWAY == 0) {
                    assertServes(gateway, done);
                    gateway.close();
                    assertNoProblems(done, "before try " + done);
                    gateway = new EmbeddedGateway();
                }
                byte[] input = input(random, done);
                runOne(gateway, random, input, done);
            }
            assertServes(gateway, done);
        } finally {
            gateway.close();
        }
        assertNoProblems(done, "at the end");
        System.out.printf("PipelineFuzzTest: %d tries in %d ms, seed %d%n", done,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), SEED);
    }

    /** The detector every ByteBuf allocator reports to (package-private in Netty, hence reflection). */
    private static ResourceLeakDetector<?> byteBufLeakDetector() {
        try {
            java.lang.reflect.Field field = io.netty.buffer.AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<?>) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot hook Netty's ByteBuf leak detector", e);
        }
    }

    /** The harness itself: a buffer dropped without release must fail {@link #assertNoProblems}. */
    @Test
    void theLeakCheckSeesALeakedBuffer() {
        leak();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertNoProblems(0, "after a deliberate leak"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("LEAK");
        problems.clear();
    }

    private static void leak() {
        PooledByteBufAllocator.DEFAULT.buffer(32).writeLong(42); // never released
    }

    private void runOne(EmbeddedGateway gateway, Random random, byte[] input, int tryNo) {
        EmbeddedClient client = gateway.connect();
        String context = "try " + tryNo + " (seed " + SEED + ") input " + HexFormat.of().formatHex(input);
        try {
            // In a few reads of random sizes: the decoder must also cope with packets cut anywhere.
            int offset = 0;
            while (offset < input.length && client.isOpen()) {
                int n = 1 + random.nextInt(Math.max(1, input.length - offset));
                client.sendBytes(Unpooled.wrappedBuffer(input, offset, n));
                client.runTasks();
                offset += n;
            }
            if (client.isOpen() && random.nextInt(4) == 0) {
                // Past the connect timeout and any keep-alive the input asked for (up to 18 h).
                client.channel().advanceTimeBy(1, TimeUnit.DAYS);
                client.channel().runScheduledPendingTasks();
                client.runTasks();
            }
            client.receivedBytes(); // whatever the gateway answered, released
            client.channel().checkException();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(context + ": " + e, e);
        } finally {
            if (client.isOpen()) {
                client.channel().close();
                client.runTasks();
            }
            client.receivedBytes();
        }
        assertThat(client.isOpen()).isFalse();
        if (!problems.isEmpty()) {
            throw new AssertionError(context + ": " + problems);
        }
    }

    /** Random bytes, or valid packets behind a valid or mutated CONNECT, mutated a few times. */
    private static byte[] input(Random random, int tryNo) {
        if (random.nextInt(5) == 0) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = (byte) (random.nextInt(16) << 4 | random.nextInt(16)); // any packet type
            }
            return bytes;
        }
        ByteBuf all = Unpooled.buffer();
        append(all, ENCODER, randomConnect(random, tryNo));
        int connectEnd = all.writerIndex();
        int packets = random.nextInt(6);
        for (int i = 0; i < packets; i++) {
            append(all, ENCODER, randomPacket(random));
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        // Half the time the CONNECT is left intact so that mutations reach the handlers behind it.
        int from = random.nextBoolean() && connectEnd < bytes.length ? connectEnd : 0;
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            bytes = Mutations.apply(random, bytes, from);
        }
        return bytes;
    }

    private static void append(ByteBuf all, EmbeddedChannel encoder, MqttMessage packet) {
        encoder.writeOutbound(packet);
        for (ByteBuf part; (part = encoder.readOutbound()) != null; ) {
            all.writeBytes(part);
            part.release();
        }
    }

    private static MqttMessage randomConnect(Random random, int tryNo) {
        boolean v31 = random.nextInt(8) == 0;
        // The client-side encoder refuses an empty identifier for 3.1.
        String clientId = random.nextInt(10) == 0 && !v31 ? "" : "fuzz-" + tryNo;
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(v31 ? io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1 : io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1)
                .clientId(clientId).cleanSession(random.nextInt(4) != 0).keepAlive(random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(120));
        if (random.nextInt(4) == 0) {
            b.willFlag(true).willTopic(topic(random, false)).willMessage(payload(random)).willQoS(MqttQoS.valueOf(random.nextInt(3)))
                    .willRetain(random.nextBoolean());
        }
        if (random.nextInt(4) == 0) {
            b.hasUser(true).username("u" + random.nextInt(10));
            if (random.nextBoolean()) {
                b.hasPassword(true).password(payload(random));
            }
        }
        return b.build();
    }

    private static MqttMessage randomPacket(Random random) {
        int packetId = 1 + random.nextInt(65_535);
        return switch (random.nextInt(9)) {
            case 0, 1 -> {
                MqttQoS qos = MqttQoS.valueOf(random.nextInt(3));
                yield MqttMessageBuilders.publish().topicName(topic(random, false)).qos(qos)
                        .messageId(qos == MqttQoS.AT_MOST_ONCE ? 0 : packetId).retained(random.nextInt(6) == 0)
                        .payload(Unpooled.wrappedBuffer(payload(random))).build();
            }
            case 2 -> {
                MqttMessageBuilders.SubscribeBuilder b = MqttMessageBuilders.subscribe().messageId(packetId);
                int n = 1 + random.nextInt(3);
                for (int i = 0; i < n; i++) {
                    b.addSubscription(MqttQoS.valueOf(random.nextInt(3)), topic(random, true));
                }
                yield b.build();
            }
            case 3 -> Packets.unsubscribe(packetId, topic(random, true));
            case 4 -> Packets.pingReq();
            case 5 -> Packets.disconnect();
            case 6 -> Packets.ack(MqttMessageType.PUBACK, packetId);
            case 7 -> Packets.ack(MqttMessageType.PUBREL, packetId);
            default -> Packets.ack(random.nextBoolean() ? MqttMessageType.PUBREC : MqttMessageType.PUBCOMP, packetId);
        };
    }

    private static String topic(Random random, boolean filter) {
        String[] levels = {"a", "b", "sensors", "", "\u00e9t\u00e9", "$SYS", "x".repeat(1 + random.nextInt(40))};
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append('/');
            }
            if (filter && random.nextInt(5) == 0) {
                sb.append(i == n - 1 && random.nextBoolean() ? "#" : "+");
            } else {
                sb.append(levels[random.nextInt(levels.length)]);
            }
        }
        return sb.length() == 0 ? "t" : sb.toString();
    }

    private static byte[] payload(Random random) {
        byte[] payload = new byte[random.nextInt(6) == 0 ? random.nextInt(2048) : random.nextInt(32)];
        random.nextBytes(payload);
        return payload;
    }

    /** A valid client on a fresh channel is served: CONNACK 0x00, and a PINGREQ is answered. */
    private static void assertServes(EmbeddedGateway gateway, int tryNo) {
        EmbeddedClient client = gateway.connect();
        client.send(Packets.connect("after-" + tryNo, true, 60));
        assertThat(client.receivedConnAck().variableHeader().connectReturnCode())
                .as("after %s tries (seed %s)", tryNo, SEED).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        client.send(Packets.pingReq());
        client.receivedOne(MqttMessageType.PINGRESP);
        client.channel().close();
        client.runTasks();
    }

    /**
     * The leak detector reports a leaked buffer when it tracks a new one after the garbage
     * collector found the lost one: collect, then allocate a few.
     */
    private void assertNoProblems(int tries, String when) {
        for (int i = 0; i < 3; i++) {
            System.gc();
            System.runFinalization();
            try {
                Thread.sleep(20); // lets the reference handler enqueue what the collection found
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int j = 0; j < 64; j++) {
                PooledByteBufAllocator.DEFAULT.buffer(16).release();
                Unpooled.buffer(16).release();
            }
        }
        assertThat(problems).as("leaks, escaped exceptions or failed tasks %s (%d tries, seed %d)", when, tries, SEED).isEmpty();
    }

    private static Duration parse(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("fuzz.duration: a whole number with ms, s, m or h, e.g. 5m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
