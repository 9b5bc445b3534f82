package org.rmqtt.gateway.admin;

/** A request the admin API answers with {@code status} and {@code {"error": message}}. */
public class AdminException extends RuntimeException {
    private final int status;

    public AdminException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static AdminException badRequest(String message) {
        return new AdminException(400, message);
    }

    static AdminException notFound(String message) {
        return new AdminException(404, message);
    }
}
