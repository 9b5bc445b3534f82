/**
 * {@code bin/mqttadmin}: the operators' command line over the gateways' admin HTTP API (see
 * docs/admin-api.md). Any gateway answers for the whole cluster; commands print aligned tables,
 * or the API's JSON with {@code --json}.
 */
package org.rmqtt.admin;
