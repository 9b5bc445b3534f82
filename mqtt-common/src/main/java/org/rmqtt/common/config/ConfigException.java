package org.rmqtt.common.config;

/** Bad configuration: the message names the key and says what is wrong. Stops start-up. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
