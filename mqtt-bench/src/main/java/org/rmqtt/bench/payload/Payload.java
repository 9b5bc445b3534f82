package org.rmqtt.bench.payload;

/**
 * The header every benchmark message carries: who sent it, its place in that sender's sequence, and
 * when it was (meant to be) sent, in {@link System#nanoTime()} units of the sending JVM.
 */
public record Payload(int runId, int sourceId, long sequence, long sentNanos) {
}
