package org.rmqtt.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesNestedValuesAndEscapesStrings() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", "a \"quoted\"\\path\nline\u0001");
        doc.put("count", 3L);
        doc.put("rate", 2.5);
        doc.put("whole", 4.0);
        doc.put("none", null);
        doc.put("ok", true);
        doc.put("list", List.of(1, Map.of()));
        doc.put("empty", List.of());

        String json = Json.write(doc);

        assertThat(json).isEqualTo("""
            {
              "name": "a \\"quoted\\"\\\\path\\nline\\u0001",
              "count": 3,
              "rate": 2.5,
              "whole": 4,
              "none": null,
              "ok": true,
              "list": [
                1,
                {}
              ],
              "empty": []
            }
            """);
    }

    @Test
    void writesNoValueForNumbersJsonCannotHold() {
        assertThat(Json.write(List.of(Double.NaN, Double.POSITIVE_INFINITY))).isEqualTo("[\n  null,\n  null\n]\n");
    }
}
