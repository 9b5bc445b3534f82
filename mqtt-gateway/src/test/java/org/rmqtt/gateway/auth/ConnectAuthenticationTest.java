package org.rmqtt.gateway.auth;

import org.rmqtt.common.health.Counters;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rmqtt.gateway.connect.ConnectHandler;
import org.rmqtt.gateway.server.EmbeddedClient;
import org.rmqtt.gateway.server.EmbeddedGateway;
import org.rmqtt.gateway.server.HandlerNames;
import org.rmqtt.gateway.server.Packets;
import org.rmqtt.gateway.session.SessionFactory;

/** The CONNECT path with an authenticator that answers later, as the password file and the HTTP hook do. */
class ConnectAuthenticationTest {
    private final EmbeddedGateway gateway = new EmbeddedGateway();
    private final Counters counters = new Counters();
    private final CompletableFuture<AuthDecision> answer = new CompletableFuture<>();
    private final Security security = Security.of(c -> answer, Authorizer.ALLOW_ALL, counters, Security.CertificateAs.NONE);

    @AfterEach
    void close() {
        gateway.close();
    }

    private EmbeddedClient client() {
        EmbeddedClient client = gateway.connect();
        SessionFactory sessions = new SessionFactory(gateway.store, gateway.index, gateway.meta, gateway.registry, 32, 32);
        client.channel().pipeline().replace(HandlerNames.CONNECT, HandlerNames.CONNECT,
                new ConnectHandler(gateway.registry, sessions, gateway.wills, security));
        return client;
    }

    @Test
    void packetsBehindAPendingConnectWaitAndARefusalTouchesNoSession() {
        EmbeddedClient client = client();
        client.send(Packets.connect("c1", false, 60), Packets.subscribe(1, "a/b", MqttQoS.AT_LEAST_ONCE));
        client.runTasks();
        assertThat(client.received()).isEmpty();
        assertThat(client.session()).isNull();

        answer.complete(AuthDecision.badCredentials("test"));
        client.runTasks();

        MqttConnAckMessage connAck = client.receivedConnAck();
        assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
        assertThat(client.isOpen()).isFalse();
        assertThat(client.session()).isNull();
        assertThat(gateway.registry.connectedCount()).isZero();
        assertThat(gateway.meta.nodesMatching("a/b")).isEmpty();
        assertThat(counters.get(Counters.Name.AUTH_BAD_CREDENTIALS)).isEqualTo(1);
    }

    @Test
    void anAllowLetsTheWaitingPacketsThroughAfterTheConnack() {
        EmbeddedClient client = client();
        client.send(Packets.connect("c2", true, 60), Packets.subscribe(1, "a/b", MqttQoS.AT_LEAST_ONCE));
        answer.complete(AuthDecision.allow("test"));
        client.runTasks();

        java.util.List<io.netty.handler.codec.mqtt.MqttMessage> got = new java.util.ArrayList<>(client.received());
        org.awaitility.Awaitility.await().until(() -> {
            client.runTasks();
            got.addAll(client.received());
            return got.size() >= 2;
        });
        assertThat(got).extracting(m -> m.fixedHeader().messageType()).containsExactly(MqttMessageType.CONNACK, MqttMessageType.SUBACK);
        assertThat(((MqttConnAckMessage) got.get(0)).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        MqttSubAckMessage subAck = (MqttSubAckMessage) got.get(1);
        assertThat(subAck.payload().grantedQoSLevels()).containsExactly(1);
        assertThat(Authorizer.identity(client.channel())).isEqualTo(new Identity("c2", null, null));
        assertThat(counters.get(Counters.Name.AUTH_ALLOWED)).isEqualTo(1);
    }
}
