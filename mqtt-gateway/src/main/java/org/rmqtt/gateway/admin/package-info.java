/**
 * The admin HTTP API of a gateway (JSON; {@code /health}, {@code /ready}, {@code /api/v1/...}),
 * served on an event loop of its own, and the answers this gateway gives other gateways' admin
 * APIs about the clients connected here (over the notify RPC). Documented in docs/admin-api.md.
 */
package org.rmqtt.gateway.admin;
