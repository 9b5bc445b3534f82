package org.rmqtt.gateway.auth;

/**
 * Who a connection is once it was let in: what ACL rules are chosen by.
 *
 * @param username   null for an anonymous client
 * @param commonName the CN of its verified client certificate, or null
 */
public record Identity(String clientId, String username, String commonName) {
}
