package org.rmqtt.gateway.auth;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/**
 * One authenticator's answer: allow, deny with a CONNACK code, or ignore (the next one decides).
 *
 * @param reason why, for DEBUG lines; never a secret
 */
public record AuthDecision(Outcome outcome, MqttConnectReturnCode code, String reason) {

    public enum Outcome { ALLOW, DENY, IGNORE }

    private static final AuthDecision IGNORE = new AuthDecision(Outcome.IGNORE, null, "");

    public static AuthDecision allow(String reason) {
        return new AuthDecision(Outcome.ALLOW, MqttConnectReturnCode.CONNECTION_ACCEPTED, reason);
    }

    public static AuthDecision ignore() {
        return IGNORE;
    }

    /** 0x04: the user name or password is wrong. */
    public static AuthDecision badCredentials(String reason) {
        return new AuthDecision(Outcome.DENY, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, reason);
    }

    /** 0x05: the client is not allowed in. */
    public static AuthDecision notAuthorized(String reason) {
        return new AuthDecision(Outcome.DENY, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, reason);
    }

    /** 0x03: the check could not be made (hook unreachable, overloaded). */
    public static AuthDecision unavailable(String reason) {
        return new AuthDecision(Outcome.DENY, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, reason);
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }
}
