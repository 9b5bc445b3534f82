package org.rmqtt.gateway.metrics;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/** Reads samples out of a Prometheus text scrape, for tests. */
public final class Scrape {
    private final String text;

    public Scrape(String text) {
        this.text = text;
    }

    /**
     * The value of the one sample named {@code name} whose labels include every {@code label}
     * (as {@code key="value"}); fails if there is none or more than one.
     */
    public double value(String name, String... labels) {
        double found = Double.NaN;
        int matches = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            String labelPart = line.indexOf('{') >= 0 ? line.substring(line.indexOf('{'), line.lastIndexOf('}') + 1) : "";
            if (Arrays.stream(labels).allMatch(labelPart::contains)) {
                found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                matches++;
            }
        }
        if (matches != 1) {
            throw new AssertionError(matches + " samples of " + name + " with " + Arrays.toString(labels) + " in:\n" + text);
        }
        return found;
    }

    /** The names of every sample (with their _total, _bucket... suffixes). */
    public Set<String> sampleNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    @Override
    public String toString() {
        return text;
    }
}
