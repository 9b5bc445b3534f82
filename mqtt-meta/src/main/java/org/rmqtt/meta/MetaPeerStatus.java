package org.rmqtt.meta;

/**
 * What one meta peer says of itself (admin API, {@code mqtt-meta status}).
 *
 * @param id      the peer id
 * @param address host:port
 * @param role    LEADER, FOLLOWER, CANDIDATE, ...; null when it did not answer
 * @param leader  the leader it knows of, "unknown", or null when it did not answer
 * @param error   why it did not answer, or null
 */
public record MetaPeerStatus(String id, String address, String role, String leader, String error) {
}
