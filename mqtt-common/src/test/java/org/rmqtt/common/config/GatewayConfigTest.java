package org.rmqtt.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GatewayConfigTest {
    /** The least a gateway of a cluster must be told: where RocketMQ and the meta service are. */
    private static final Map<String, String> MINIMAL = Map.of("rocketmq.namesrv", "ns1:9876", "meta.peers", "m1=meta1:9870");

    private static GatewayConfig with(String key, String value) {
        Map<String, String> values = new HashMap<>(MINIMAL);
        values.put(key, value);
        return GatewayConfig.of(values);
    }

    @Test
    void defaults() {
        GatewayConfig config = GatewayConfig.of(MINIMAL);

        assertThat(config.namesrv()).isEqualTo("ns1:9876");
        assertThat(config.embedded()).isFalse();
        assertThat(config.brokerPlugin()).isTrue();
        assertThat(config.metaPeers()).isEqualTo("m1=meta1:9870");
        assertThat(config.metaEmbedded()).isFalse();
        assertThat(config.dataDir()).isEqualTo(Path.of("data"));
        assertThat(config.mqttHost()).isEqualTo("0.0.0.0");
        assertThat(config.mqttPort()).isEqualTo(1883);
        assertThat(config.maxMessageSize()).isEqualTo(1_048_576);
        assertThat(config.connectTimeoutSeconds()).isEqualTo(10);
        assertThat(config.maxInflight()).isEqualTo(32);
        assertThat(config.notifyHost()).isEqualTo("127.0.0.1");
        assertThat(config.notifyPort()).isEqualTo(10811);
        assertThat(config.embeddedNamesrvPort()).isEqualTo(9876);
        assertThat(config.embeddedBrokerPort()).isEqualTo(10911);
        assertThat(config.defaultTopic()).isEqualTo("mqtt_default");
        assertThat(config.topicRules()).isEmpty();
        assertThat(config.topicMapper().rules()).isEmpty();
        assertThat(config.topicMapper().defaultTopic()).isEqualTo("mqtt_default");
        assertThat(config.redispatchTopic()).isEqualTo("mqtt_redispatch");
        assertThat(config.topicQueues()).isEqualTo(8);
        assertThat(config.notifierGroup()).isEqualTo("rmqtt_notifier");
        assertThat(config.pullBatch()).isEqualTo(32);
        assertThat(config.embeddedSyncFlush()).as("broker: page cache, as RocketMQ's default").isFalse();
        assertThat(config.metaEmbeddedSyncFlush()).as("meta: forced to disk, as Ratis's default").isTrue();
        assertThat(config.gatewayEnabled()).isTrue();
        // Without node.id, the node is named by its notify endpoint.
        assertThat(config.nodeId()).isEqualTo("127.0.0.1:10811");
    }

    @Test
    void valuesOverrideDefaultsAndAreTrimmed() {
        GatewayConfig config = GatewayConfig.of(Map.of(
                "rocketmq.namesrv", "ns1:9876;ns2:9876",
                "meta.peers", "m1=meta1:9870",
                "node.id", "gw-7",
                "mqtt.port", " 1884 ",
                "mqtt.maxInflight", "100",
                "topic.rules", "sensors/#=sensors"));

        assertThat(config.namesrv()).isEqualTo("ns1:9876;ns2:9876");
        assertThat(config.nodeId()).isEqualTo("gw-7");
        assertThat(config.mqttPort()).isEqualTo(1884);
        assertThat(config.maxInflight()).isEqualTo(100);
        assertThat(config.topicRules()).isEqualTo("sensors/#=sensors");
        assertThat(config.asMap()).containsEntry("mqtt.port", "1884");
    }

    @Test
    void argumentsAreKeyValuePairs() {
        Map<String, String> values = GatewayConfig.parseArgs(new String[] {
            "--mqtt.port=1884", "--topic.rules=a/#=x,b/+=y", "--node.id="});

        assertThat(values).containsExactly(
                Map.entry("mqtt.port", "1884"), Map.entry("topic.rules", "a/#=x,b/+=y"), Map.entry("node.id", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqtt.port=1884", "-mqtt.port=1884", "--mqtt.port", "--=1884", "1884"})
    void anArgumentNotOfTheFormKeyEqualsValueIsRejectedByName(String arg) {
        assertThatThrownBy(() -> GatewayConfig.parseArgs(new String[] {arg}))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(arg + ":");
    }

    @Test
    void argumentsOverrideTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gateway.properties");
        Files.writeString(file, "rocketmq.namesrv=file-ns:9876\nmeta.embedded=true\nmqtt.port=2000\nnotify.port=3000\n",
                StandardCharsets.UTF_8);

        GatewayConfig config = GatewayConfig.load(file, new String[] {"--mqtt.port=2001"});

        assertThat(config.namesrv()).isEqualTo("file-ns:9876");
        assertThat(config.mqttPort()).isEqualTo(2001);
        assertThat(config.notifyPort()).isEqualTo(3000);
    }

    @Test
    void argumentsAloneNeedNoFile() {
        GatewayConfig config = GatewayConfig.load(null, new String[] {"--rocketmq.namesrv=ns:1", "--meta.embedded=true", "--mqtt.port=0"});

        assertThat(config.namesrv()).isEqualTo("ns:1");
        assertThat(config.mqttPort()).isZero();
    }

    @Test
    void theMetaPollMustBeShorterThanTheViewAgeAPublishAccepts() {
        assertThat(GatewayConfig.of(Map.of("rocketmq.embedded", "true")).metaPollInterval()).hasMillis(100);
        assertThat(GatewayConfig.of(Map.of("rocketmq.embedded", "true", "meta.pollInterval", "500ms")).metaPollInterval())
                .hasMillis(500);
        assertThatThrownBy(() -> GatewayConfig.of(Map.of("rocketmq.embedded", "true", "meta.pollInterval", "1s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meta.pollInterval: must be shorter than subscribe.syncTimeout");
    }

    @Test
    void aMissingFileIsAConfigException(@TempDir Path dir) {
        Path missing = dir.resolve("missing.properties");

        assertThatThrownBy(() -> GatewayConfig.load(missing, new String[0]))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void aBadKeyInTheFileNamesTheKeyAndTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gateway.properties");
        Files.writeString(file, "rocketmq.namesrv=ns:1\nmqtt.prot=1884\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> GatewayConfig.load(file, new String[0]))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("mqtt.prot: unknown")
                .hasMessageEndingWith("(in " + file + ")");

        Files.writeString(file, "rocketmq.namesrv=ns:1\nmqtt.port=70000\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> GatewayConfig.load(file, new String[0]))
                .hasMessageStartingWith("mqtt.port:")
                .hasMessageEndingWith("(in " + file + ")");
        assertThatThrownBy(() -> GatewayConfig.load(file, new String[] {"--mqtt.port=-1"}))
                .hasMessageStartingWith("mqtt.port:")
                .hasMessageEndingWith("(on the command line)");

        Files.writeString(file, "mqtt.port=1884\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> GatewayConfig.load(file, new String[0]))
                .hasMessageStartingWith("rocketmq.namesrv:")
                .hasMessageEndingWith("(set in neither " + file + " nor the command line)");
    }

    @Test
    void anUnknownKeyIsRejectedByName() {
        assertThatThrownBy(() -> with("mqtt.prot", "1884"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("mqtt.prot:")
                .hasMessageContaining("unknown");
        assertThatThrownBy(() -> GatewayConfig.load(null, new String[] {"--rocketmq.namesrv=ns:1", "--no.such.key=1"}))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("no.such.key:");
        assertThatThrownBy(() -> GatewayConfig.of(MINIMAL).with(Map.of("typo", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("typo:");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "mqtt.port, 65536",
        "mqtt.port, -1",
        "mqtt.port, http",
        "notify.port, 99999",
        "rocketmq.embedded.namesrvPort, x",
        "rocketmq.embedded.brokerPort, 1.5",
        "mqtt.maxInflight, 0",
        "mqtt.maxInflight, 65536",
        "mqtt.maxInflight, many",
        "mqtt.maxMessageSize, 268435456",
        "mqtt.connectTimeoutSeconds, 0",
        "topic.queues, 1025",
        "delivery.pullBatch, -5",
        "rocketmq.embedded, yes",
        "rocketmq.embedded, TRUE",
        "rocketmq.embedded, 1",
        "rocketmq.dispatchPlugin, no",
        "mqtt.host, ''",
        "topic.default, ''",
        "data.dir, ''",
        "meta.embedded, on",
        "rocketmq.embedded.flush, SYNC",
        "rocketmq.embedded.flush, fsync",
        "meta.embedded.flush, ''",
        "gateway.enabled, no",
        "topic.default, has space",
        "topic.redispatch, a/b",
        "topic.rules, sensors/#",
        "topic.rules, a/#/b=x",
        "topic.rules, a/#=bad topic",
        "subscribe.deny, 'ok/#,a/#/b'",
        "subscribe.maxPerSession, 0",
        "publish.allowDollarTopics, yes",
        "limits.maxConnections, -1",
        "limits.maxConnectionsPerIp, many",
        "limits.connectRatePerIp, -1",
        "limits.connectBurstPerIp, 0",
        "limits.maxTopicLength, 0",
        "limits.maxTopicLength, 65536",
        "limits.maxTopicLevels, 0",
        "limits.publishRatePerClient, 1.5",
        "limits.publishBurstPerClient, 0",
        "limits.slowReaderTimeout, 30",
        "limits.slowReaderTimeout, 2h",
    })
    void aBadValueIsRejectedByKey(String key, String value) {
        assertThatThrownBy(() -> with(key, value))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(key + ":");
    }

    @Test
    void protocolLimitsHaveDefaultsAndParse() {
        GatewayConfig defaults = GatewayConfig.of(Map.of("rocketmq.namesrv", "127.0.0.1:9876"));
        assertThat(defaults.subscribeDeny()).isEmpty();
        assertThat(defaults.maxSubscriptionsPerSession()).isEqualTo(1000);
        assertThat(defaults.allowDollarTopics()).isFalse();

        GatewayConfig set = defaults.with(Map.of("subscribe.deny", " test/nosubscribe , secret/# ",
                "subscribe.maxPerSession", "5", "publish.allowDollarTopics", "true"));
        assertThat(set.subscribeDeny()).containsExactly("test/nosubscribe", "secret/#");
        assertThat(set.maxSubscriptionsPerSession()).isEqualTo(5);
        assertThat(set.allowDollarTopics()).isTrue();
    }

    @Test
    void abuseLimitsHaveDefaultsAndParse() {
        GatewayConfig defaults = GatewayConfig.of(Map.of("rocketmq.namesrv", "127.0.0.1:9876"));
        assertThat(defaults.maxConnections()).isZero();
        assertThat(defaults.maxConnectionsPerIp()).isZero();
        assertThat(defaults.connectRatePerIp()).isZero();
        assertThat(defaults.connectBurstPerIp()).isEqualTo(10);
        assertThat(defaults.maxTopicLength()).isEqualTo(65_535);
        assertThat(defaults.maxTopicLevels()).isEqualTo(128);
        assertThat(defaults.publishRatePerClient()).isZero();
        assertThat(defaults.publishBurstPerClient()).isEqualTo(100);
        assertThat(defaults.slowReaderTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));

        GatewayConfig set = defaults.with(Map.of("limits.maxConnections", "1000", "limits.maxConnectionsPerIp", "5",
                "limits.connectRatePerIp", "2", "limits.connectBurstPerIp", "4", "limits.maxTopicLength", "256",
                "limits.maxTopicLevels", "8", "limits.publishRatePerClient", "50", "limits.publishBurstPerClient", "60",
                "limits.slowReaderTimeout", "0"));
        assertThat(set.maxConnections()).isEqualTo(1000);
        assertThat(set.maxConnectionsPerIp()).isEqualTo(5);
        assertThat(set.connectRatePerIp()).isEqualTo(2);
        assertThat(set.connectBurstPerIp()).isEqualTo(4);
        assertThat(set.maxTopicLength()).isEqualTo(256);
        assertThat(set.maxTopicLevels()).isEqualTo(8);
        assertThat(set.publishRatePerClient()).isEqualTo(50);
        assertThat(set.publishBurstPerClient()).isEqualTo(60);
        assertThat(set.slowReaderTimeout()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "65535"})
    void portsRangeFromZeroTo65535(String port) {
        assertThat(with("mqtt.port", port).mqttPort()).isEqualTo(Integer.parseInt(port));
    }

    @Test
    void theAdminApiBindsToLoopbackByDefaultAndElsewhereOnlyWithATokenFile() {
        GatewayConfig config = GatewayConfig.of(MINIMAL);
        assertThat(config.adminEnabled()).isTrue();
        assertThat(config.adminHost()).isEqualTo("127.0.0.1");
        assertThat(config.adminPort()).isEqualTo(8088);
        assertThat(config.adminTokenFile()).isEmpty();
        assertThatThrownBy(() -> with("admin.host", "0.0.0.0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("admin.tokenFile:");
        assertThat(with("admin.host", "localhost").adminHost()).isEqualTo("localhost");
        Map<String, String> values = new HashMap<>(MINIMAL);
        values.put("admin.host", "0.0.0.0");
        values.put("admin.tokenFile", "conf/admin.token");
        assertThat(GatewayConfig.of(values).adminTokenFile()).isEqualTo("conf/admin.token");
        values.put("admin.enabled", "false");
        values.put("admin.tokenFile", "");
        assertThat(GatewayConfig.of(values).adminEnabled()).isFalse();
        assertThatThrownBy(() -> with("admin.port", "70000")).hasMessageStartingWith("admin.port:");
        assertThatThrownBy(() -> with("admin.enabled", "yes")).hasMessageStartingWith("admin.enabled:");
    }

    @Test
    void theNameServerIsRequiredUnlessEmbedded() {
        assertThatThrownBy(() -> GatewayConfig.of(Map.of("meta.embedded", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("rocketmq.namesrv:");
        assertThatThrownBy(() -> GatewayConfig.of(Map.of("meta.embedded", "true", "rocketmq.namesrv", "  ")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("rocketmq.namesrv:");

        GatewayConfig embedded = GatewayConfig.of(Map.of("meta.embedded", "true", "rocketmq.embedded", "true"));
        assertThat(embedded.embedded()).isTrue();
        assertThat(embedded.namesrv()).isEmpty();
    }

    @Test
    void flushModesAreSyncOrAsync() {
        assertThat(with("rocketmq.embedded.flush", "sync").embeddedSyncFlush()).isTrue();
        assertThat(with("rocketmq.embedded.flush", "async").embeddedSyncFlush()).isFalse();
        assertThat(with("meta.embedded.flush", "async").metaEmbeddedSyncFlush()).isFalse();
        assertThat(with("meta.embedded.flush", "sync").metaEmbeddedSyncFlush()).isTrue();
    }

    @Test
    void consumeQueuesAreInFilesUnlessRocksDbIsAsked() {
        assertThat(GatewayConfig.of(Map.of("rocketmq.embedded", "true")).embeddedConsumeQueue()).isEqualTo("file");
        assertThat(with("rocketmq.embedded.consumeQueue", "rocksdb").embeddedConsumeQueue()).isEqualTo("rocksdb");
        assertThatThrownBy(() -> with("rocketmq.embedded.consumeQueue", "RocksDB"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("rocketmq.embedded.consumeQueue:")
                .hasMessageContaining("file, rocksdb");
    }

    @Test
    void aProcessWithoutGatewayMustRunTheEmbeddedRocketMq() {
        assertThatThrownBy(() -> with("gateway.enabled", "false"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gateway.enabled:");

        GatewayConfig brokerOnly = GatewayConfig.of(Map.of("gateway.enabled", "false", "rocketmq.embedded", "true"));
        assertThat(brokerOnly.gatewayEnabled()).isFalse();
        assertThat(brokerOnly.metaEmbedded()).isFalse();
        assertThat(brokerOnly.metaPeers()).isEmpty();
    }

    @Test
    void theMetaSettingsAreReadAsGiven() {
        GatewayConfig embedded = GatewayConfig.of(Map.of("rocketmq.namesrv", "ns1:9876", "meta.embedded", "true"));
        assertThat(embedded.metaEmbedded()).isTrue();
        assertThat(embedded.metaPeers()).isEmpty();

        GatewayConfig cluster = GatewayConfig.of(Map.of("rocketmq.namesrv", "ns1:9876", "meta.peers", " m1=a:1,m2=b:2 "));
        assertThat(cluster.metaEmbedded()).isFalse();
        assertThat(cluster.metaPeers()).isEqualTo("m1=a:1,m2=b:2");
    }

    @Test
    void withChangesSomeKeysAndKeepsTheRest() {
        GatewayConfig base = GatewayConfig.of(Map.of("rocketmq.embedded", "true", "meta.embedded", "true", "mqtt.port", "1999"));

        GatewayConfig changed = base.with(Map.of("rocketmq.namesrv", "127.0.0.1:9876"));

        assertThat(changed.namesrv()).isEqualTo("127.0.0.1:9876");
        assertThat(changed.mqttPort()).isEqualTo(1999);
        assertThat(changed.embedded()).isTrue();
        assertThat(base.namesrv()).isEmpty();
    }

    @Test
    void authDefaultsLetNobodyInAndAllowEverythingOnceIn() {
        GatewayConfig config = GatewayConfig.of(MINIMAL);
        assertThat(config.authChain()).isEmpty();
        assertThat(config.authAclFile()).isEmpty();
        assertThat(config.authCertificateAs()).isEqualTo("none");
        assertThat(config.authHttpTimeout()).hasSeconds(5);
        assertThat(config.authHttpCacheTtl()).hasSeconds(60);
        assertThat(config.authReloadInterval()).hasSeconds(5);
    }

    @Test
    void authChainNamesKnownAuthenticatorsAndTheFilesTheyNeed() {
        assertThat(with("auth.chain", " anonymous , certificate ").authChain()).containsExactly("anonymous", "certificate");
        assertThatThrownBy(() -> with("auth.chain", "anonymous,ldap")).hasMessageStartingWith("auth.chain:").hasMessageContaining("ldap");
        assertThatThrownBy(() -> with("auth.chain", "file,file")).hasMessageContaining("twice");
        assertThatThrownBy(() -> with("auth.chain", "file")).hasMessageStartingWith("auth.passwordFile:");
        assertThatThrownBy(() -> with("auth.chain", "http")).hasMessageStartingWith("auth.http.url:");
        assertThatThrownBy(() -> with("auth.http.url", "ftp://x/y")).hasMessageStartingWith("auth.http.url:");
        assertThatThrownBy(() -> with("auth.certificateAs", "cn")).hasMessageStartingWith("auth.certificateAs:");
        assertThat(with("auth.http.cacheTtl", "0").authHttpCacheTtl()).isZero();
    }

    @Test
    void theHookUrlsCredentialsAreMaskedWhenTheConfigurationIsPrinted() {
        GatewayConfig config = with("auth.http.url", "https://svc:tok3n@auth.example.com:8443/mqtt?key=s3cret");
        assertThat(config.authHttpUrl()).contains("s3cret");
        assertThat(config.toString()).doesNotContain("s3cret", "tok3n").contains("https://***@auth.example.com:8443/mqtt?***");
        assertThat(config.asMap().get("auth.http.url")).doesNotContain("s3cret", "tok3n");
    }

    @Test
    void tlsAndWebSocketListenersAreOffByDefaultAndTakeMqttHost() {
        GatewayConfig config = with("mqtt.host", "10.0.0.1");
        assertThat(config.tlsEnabled()).isFalse();
        assertThat(config.wsEnabled()).isFalse();
        assertThat(config.wssEnabled()).isFalse();
        assertThat(config.tlsPort()).isEqualTo(8883);
        assertThat(config.wsPort()).isEqualTo(8083);
        assertThat(config.wssPort()).isEqualTo(8084);
        assertThat(config.wsPath()).isEqualTo("/mqtt");
        assertThat(config.tlsHost()).isEqualTo("10.0.0.1");
        assertThat(config.wsHost()).isEqualTo("10.0.0.1");
        assertThat(config.tlsProtocols()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(config.tlsClientAuth()).isEqualTo("none");
        assertThat(config.tlsProvider()).isEqualTo("auto");
    }

    @Test
    void tlsNeedsItsFilesAndValidValues() {
        Map<String, String> values = new HashMap<>(MINIMAL);
        values.put("mqtt.wss.enabled", "true");
        assertThatThrownBy(() -> GatewayConfig.of(values)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("mqtt.tls.certFile: ");
        values.put("mqtt.tls.certFile", "server.pem");
        assertThatThrownBy(() -> GatewayConfig.of(values)).hasMessageStartingWith("mqtt.tls.keyFile: ");
        values.put("mqtt.tls.keyFile", "server.key");
        values.put("mqtt.tls.clientAuth", "required");
        assertThatThrownBy(() -> GatewayConfig.of(values)).hasMessageStartingWith("mqtt.tls.caFile: ");
        values.put("mqtt.tls.caFile", "ca.pem");
        assertThat(GatewayConfig.of(values).tlsClientAuth()).isEqualTo("required");

        assertThatThrownBy(() -> with("mqtt.tls.clientAuth", "yes")).hasMessageStartingWith("mqtt.tls.clientAuth: ");
        assertThatThrownBy(() -> with("mqtt.tls.protocols", "TLSv1.1")).hasMessageStartingWith("mqtt.tls.protocols: ");
        assertThatThrownBy(() -> with("mqtt.tls.provider", "bouncy")).hasMessageStartingWith("mqtt.tls.provider: ");
        assertThatThrownBy(() -> with("mqtt.ws.path", "mqtt")).hasMessageStartingWith("mqtt.ws.path: ");
        assertThatThrownBy(() -> with("mqtt.tls.handshakeTimeout", "0")).hasMessageStartingWith("mqtt.tls.handshakeTimeout: ");
        assertThat(with("mqtt.tls.reloadInterval", "0").tlsReloadInterval().isZero()).isTrue();
    }
}
