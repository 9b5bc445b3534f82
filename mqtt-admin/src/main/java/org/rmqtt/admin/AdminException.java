package org.rmqtt.admin;

/** A command failed in a way the operator can act on; its message is the one line printed. */
final class AdminException extends RuntimeException {
    AdminException(String message) {
        super(message, null, false, false);
    }
}
