package org.rmqtt.bench;

/**
 * A benchmark that cannot run here, with what is wrong and how to fix it; printed as is, without
 * a stack trace, and mapped to exit code 3.
 */
public final class BenchException extends RuntimeException {

    private final String fix;

    public BenchException(String cause, String fix) {
        super(cause);
        this.fix = fix;
    }

    public String fix() {
        return fix;
    }

    /** "cause. Fix: fix" */
    public String describe() {
        return getMessage() + ".\n  Fix: " + fix;
    }
}
