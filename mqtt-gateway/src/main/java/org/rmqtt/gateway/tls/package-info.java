/**
 * TLS for the listeners: the server's {@code SslContext} from PEM files, reloaded when the files
 * change ({@link org.rmqtt.gateway.tls.ReloadableSslContext}), and the handler that closes and
 * counts failed handshakes.
 */
package org.rmqtt.gateway.tls;
