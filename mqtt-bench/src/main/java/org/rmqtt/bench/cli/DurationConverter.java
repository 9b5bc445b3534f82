package org.rmqtt.bench.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** picocli converter for {@link Durations#parse}. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return Durations.parse(value);
    }
}
