/**
 * Prometheus metrics of one gateway: {@link org.rmqtt.gateway.metrics.GatewayMetrics} owns the
 * Micrometer registry and every meter; the Netty handlers here count connections, packets and
 * bytes, and {@link org.rmqtt.gateway.metrics.TimedMessageStore} times the store's sends and pulls.
 * The admin HTTP server serves {@link org.rmqtt.gateway.metrics.GatewayMetrics#scrape()} on
 * {@code /metrics}.
 */
package org.rmqtt.gateway.metrics;
