package org.rmqtt.meta;

/**
 * A meta call could not be completed in time: no leader was reachable (too few meta peers up, or
 * an election that did not finish). The call may or may not have taken effect.
 */
public class MetaUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MetaUnavailableException(String message) {
        super(message);
    }

    public MetaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
