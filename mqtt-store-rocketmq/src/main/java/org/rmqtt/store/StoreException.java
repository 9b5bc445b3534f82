package org.rmqtt.store;

/** A storage operation failed; the message says which and why. */
public class StoreException extends RuntimeException {
    private final boolean permanent;

    public StoreException(String message) {
        this(message, null, false);
    }

    public StoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /** @param permanent trying the same write again cannot succeed (the message itself is refused) */
    public StoreException(String message, Throwable cause, boolean permanent) {
        super(message, cause);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }

    /** Whether {@code error}, or a cause of it, is a permanent {@link StoreException}. */
    public static boolean isPermanent(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof StoreException s && s.permanent()) {
                return true;
            }
        }
        return false;
    }
}
