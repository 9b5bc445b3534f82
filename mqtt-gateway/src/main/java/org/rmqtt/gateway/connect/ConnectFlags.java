package org.rmqtt.gateway.connect;

import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;

/**
 * The CONNECT flag rules that codec-mqtt decodes without checking (it checks the reserved bit of
 * level 4 itself, MQTT-3.1.2-3). Any of them broken closes the connection without a CONNACK.
 */
final class ConnectFlags {
    private ConnectFlags() {
    }

    /** What is wrong with the flags, or null. */
    static String problem(MqttConnectVariableHeader h) {
        if (h.isWillFlag()) {
            if (h.willQos() > 2) {
                return "will QoS is 3 (MQTT-3.1.2-14)";
            }
        } else {
            if (h.willQos() != 0) {
                return "will QoS " + h.willQos() + " without the will flag (MQTT-3.1.2-13)";
            }
            if (h.isWillRetain()) {
                return "will retain without the will flag (MQTT-3.1.2-15)";
            }
        }
        if (h.hasPassword() && !h.hasUserName()) {
            return "password flag without the user name flag (MQTT-3.1.2-22)";
        }
        return null;
    }
}
