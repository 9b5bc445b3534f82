package org.rmqtt.meta.codec;

/**
 * Bytes that do not decode: an unknown format version or command, or truncated or corrupt data.
 * A meta peer that meets one in its log or state stops rather than serve state it cannot read.
 */
public class CodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
