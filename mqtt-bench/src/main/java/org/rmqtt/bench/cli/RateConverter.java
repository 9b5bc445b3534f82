package org.rmqtt.bench.cli;

import picocli.CommandLine.ITypeConverter;

/** picocli converter for {@link Rate#parse}. */
public final class RateConverter implements ITypeConverter<Rate> {
    @Override
    public Rate convert(String value) {
        return Rate.parse(value);
    }
}
