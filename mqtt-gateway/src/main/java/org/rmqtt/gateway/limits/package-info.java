/**
 * Limits that shed abuse, one Netty handler per limit: connections per gateway and per source
 * address, connect rate per address, a CONNECT deadline, topic length and levels, publish rate per
 * client (by not reading), and clients that do not read. {@link org.rmqtt.gateway.limits.Limits}
 * holds the configured values and the state shared by all channels of one gateway.
 */
package org.rmqtt.gateway.limits;
