package org.rmqtt.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client on a plain socket that writes packets byte by byte, so that tests can send what no
 * client library would: bad flags, bad lengths, ill-formed UTF-8. Reads wait at most
 * {@link #WAIT_MILLIS}: long enough for any correct server, and they fail rather than hang.
 */
final class RawClient implements AutoCloseable {
    static final int CONNECT = 0x10;
    static final int CONNACK = 0x20;
    static final int PUBLISH = 0x30;
    static final int PUBACK = 0x40;
    static final int PUBREC = 0x50;
    static final int PUBREL = 0x62;
    static final int PUBCOMP = 0x70;
    static final int SUBSCRIBE = 0x82;
    static final int SUBACK = 0x90;
    static final int UNSUBSCRIBE = 0xA2;
    static final int UNSUBACK = 0xB0;
    static final int PINGREQ = 0xC0;
    static final int PINGRESP = 0xD0;
    static final int DISCONNECT = 0xE0;
    static final int WAIT_MILLIS = 15_000;

    /** One packet as the server sent it. */
    record Packet(int header, byte[] body) {
        int type() {
            return header & 0xF0;
        }

        int flags() {
            return header & 0x0F;
        }

        /** The packet identifier of an acknowledgement, SUBACK or UNSUBACK. */
        int packetId() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }

        int connackCode() {
            assertThat(type()).as("CONNACK").isEqualTo(CONNACK);
            return body[1] & 0xFF;
        }

        boolean sessionPresent() {
            return (body[0] & 0x01) == 1;
        }

        int qos() {
            return (header >> 1) & 0x03;
        }

        boolean dup() {
            return (header & 0x08) != 0;
        }

        boolean retain() {
            return (header & 0x01) != 0;
        }

        String topic() {
            int length = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            return new String(body, 2, length, StandardCharsets.UTF_8);
        }

        private int topicEnd() {
            return 2 + (((body[0] & 0xFF) << 8) | (body[1] & 0xFF));
        }

        /** The packet identifier of a PUBLISH, -1 for QoS 0 (which has none). */
        int publishId() {
            int at = topicEnd();
            return qos() == 0 ? -1 : ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
        }

        String payload() {
            int at = topicEnd() + (qos() == 0 ? 0 : 2);
            return new String(body, at, body.length - at, StandardCharsets.UTF_8);
        }

        /** The return codes of a SUBACK. */
        int[] returnCodes() {
            int[] codes = new int[body.length - 2];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = body[i + 2] & 0xFF;
            }
            return codes;
        }

        @Override
        public String toString() {
            return String.format("Packet[0x%02X, %d bytes]", header, body.length);
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    RawClient(String host, int port) {
        try {
            socket = new Socket(host, port);
            socket.setSoTimeout(WAIT_MILLIS);
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- sending ----

    RawClient send(byte[]... chunks) {
        try {
            for (byte[] chunk : chunks) {
                socket.getOutputStream().write(chunk);
            }
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // The server may have closed already; what it sent before is still read.
        }
        return this;
    }

    /** CONNECT with a clean session; asserts CONNACK 0. */
    RawClient connect(String clientId) {
        return connect(clientId, true, 60);
    }

    /** CONNECT; asserts CONNACK 0 and returns this. */
    RawClient connect(String clientId, boolean cleanSession, int keepAlive) {
        send(connectPacket(clientId, cleanSession, keepAlive));
        Packet connAck = read();
        assertThat(connAck).as("CONNACK").isNotNull();
        assertThat(connAck.connackCode()).as("CONNACK return code").isZero();
        lastSessionPresent = connAck.sessionPresent();
        return this;
    }

    private boolean lastSessionPresent;

    boolean sessionPresent() {
        return lastSessionPresent;
    }

    /** SUBSCRIBE to one filter; returns the SUBACK's return code. */
    int subscribe(int packetId, String filter, int qos) {
        send(subscribePacket(packetId, filter, qos));
        Packet subAck = readSkippingPublishes();
        assertThat(subAck.type()).as("SUBACK").isEqualTo(SUBACK);
        assertThat(subAck.packetId()).isEqualTo(packetId);
        return subAck.returnCodes()[0];
    }

    // ---- receiving ----

    /** The next packet, or null if the server closed the connection; fails after {@link #WAIT_MILLIS}. */
    Packet read() {
        try {
            int header = in.read();
            if (header < 0) {
                return null;
            }
            int length = 0;
            for (int shift = 0; ; shift += 7) {
                int digit = in.readUnsignedByte();
                length |= (digit & 0x7F) << shift;
                if ((digit & 0x80) == 0) {
                    break;
                }
            }
            byte[] body = new byte[length];
            in.readFully(body);
            return new Packet(header, body);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet and no close from the server within " + WAIT_MILLIS + " ms");
        } catch (EOFException | SocketException e) {
            return null; // closed (or reset) by the server
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next packet that is not a PUBLISH. */
    Packet readSkippingPublishes() {
        Packet p;
        do {
            p = read();
        } while (p != null && p.type() == PUBLISH);
        return p;
    }

    /** The next packet, which must be of {@code type} (the high nibble). */
    Packet expect(int type) {
        Packet p = read();
        assertThat(p).as("a packet of type 0x%02X, not a closed connection", type).isNotNull();
        assertThat(p.type()).as("packet type").isEqualTo(type & 0xF0);
        return p;
    }

    /** Everything the server sends until it closes the connection; fails if it does not close it. */
    List<Packet> readUntilClosed() {
        List<Packet> packets = new ArrayList<>();
        for (Packet p; (p = read()) != null; ) {
            packets.add(p);
        }
        return packets;
    }

    /** The first packet the server sends, or nothing if it closes the connection instead. */
    List<Packet> readUntilClosedOrFirst() {
        Packet p = read();
        return p == null ? List.of() : List.of(p);
    }

    /** Asserts the server closed the connection without sending anything more. */
    void assertClosedWithoutReply() {
        assertThat(readUntilClosed()).as("packets before the server closed the connection").isEmpty();
    }

    /**
     * Asserts the connection is still open and served: a PINGREQ gets its PINGRESP (PUBLISH
     * packets that arrive first are skipped).
     */
    void assertOpen() {
        send(bytes(PINGREQ, 0));
        Packet p = readSkippingPublishes();
        assertThat(p).as("PINGRESP on an open connection").isNotNull();
        assertThat(p.type()).isEqualTo(PINGRESP);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    // ---- encoding ----

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A UTF-8 string: two length bytes, then the bytes. */
    static byte[] utf8(String s) {
        return lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Two length bytes, then {@code raw} as is (e.g. ill-formed UTF-8). */
    static byte[] lengthPrefixed(byte[] raw) {
        return concat(bytes(raw.length >> 8, raw.length & 0xFF), raw);
    }

    static byte[] id(int packetId) {
        return bytes(packetId >> 8, packetId & 0xFF);
    }

    /** A packet: the first byte, the remaining length, the body. */
    static byte[] packet(int header, byte[]... body) {
        byte[] b = concat(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        int length = b.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.writeBytes(b);
        return out.toByteArray();
    }

    static byte[] connectPacket(String clientId, boolean cleanSession, int keepAlive) {
        return connectPacket("MQTT", 4, cleanSession ? 0x02 : 0x00, keepAlive, utf8(clientId));
    }

    static byte[] connectPacket(String protocolName, int level, int flags, int keepAlive, byte[]... payload) {
        return packet(CONNECT, utf8(protocolName), bytes(level, flags, keepAlive >> 8, keepAlive & 0xFF), concat(payload));
    }

    static byte[] publishPacket(int qos, String topic, int packetId, String payload) {
        return publishPacket(PUBLISH | (qos << 1), utf8(topic), packetId, payload);
    }

    /** A PUBLISH with any first byte and an already encoded topic; no packet id for QoS 0. */
    static byte[] publishPacket(int header, byte[] encodedTopic, int packetId, String payload) {
        boolean hasId = ((header >> 1) & 0x03) > 0;
        return packet(header, encodedTopic, hasId ? id(packetId) : new byte[0], payload.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] subscribePacket(int packetId, String filter, int qos) {
        return packet(SUBSCRIBE, id(packetId), utf8(filter), bytes(qos));
    }

    static byte[] unsubscribePacket(int packetId, String... filters) {
        byte[][] parts = new byte[filters.length + 1][];
        parts[0] = id(packetId);
        for (int i = 0; i < filters.length; i++) {
            parts[i + 1] = utf8(filters[i]);
        }
        return packet(UNSUBSCRIBE, parts);
    }

    static byte[] ack(int header, int packetId) {
        return packet(header, id(packetId));
    }

    static String hex(byte[] b) {
        return Arrays.toString(b);
    }
}
