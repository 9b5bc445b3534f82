package org.rmqtt.gateway;

/** The gateway cannot start or run as configured; the message says why. */
public class GatewayException extends RuntimeException {
    public GatewayException(String message) {
        super(message);
    }

    public GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
