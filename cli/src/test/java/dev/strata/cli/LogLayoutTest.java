package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** STRATA_LOG_FORMAT: JSON lines that parse, with the MDC (request id) as fields; readable text otherwise. */
class LogLayoutTest {
    private static LoggingEvent event(String message, Map<String, String> mdc, Throwable t) {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("dev.strata.gateway.Gateway"), Level.WARN, message, t, null);
        e.setMDCPropertyMap(mdc);
        e.setTimeStamp(1_764_435_600_000L);
        e.setKeyValuePairs(new java.util.ArrayList<>(List.of(new org.slf4j.event.KeyValuePair("durationMs", 12L),
                new org.slf4j.event.KeyValuePair("path", "/v2/\"x\""))));
        return e;
    }

    @Test
    void jsonLinesParseAndCarryTheRequestId() throws Exception {
        String line = new LogLayout("json").doLayout(event("bad \"input\"\n\tnext", Map.of("requestId", "r-1", "status", "500"),
                new IllegalStateException("boom")));
        assertTrue(line.endsWith("}\n"));
        assertEquals(1, line.split("\n").length, "one line per event");
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals("WARN", j.get("level").asText());
        assertEquals("dev.strata.gateway.Gateway", j.get("logger").asText());
        assertEquals("bad \"input\"\n\tnext", j.get("message").asText());
        assertEquals("r-1", j.get("requestId").asText());
        assertEquals("500", j.get("status").asText());
        assertEquals("2025-11-29T17:00:00Z", j.get("time").asText());
        assertTrue(j.get("error").asText().contains("IllegalStateException: boom"));
        assertEquals(12, j.get("durationMs").asLong());
        assertTrue(j.get("durationMs").isNumber());
        assertEquals("/v2/\"x\"", j.get("path").asText());
    }

    @Test
    void textIsTheDefault() {
        String line = new LogLayout(null).doLayout(event("hello", Map.of("requestId", "r-2"), null));
        assertEquals("2025-11-29T17:00:00Z WARN  Gateway - hello [requestId=r-2]\n", line);
        assertEquals(line, new LogLayout("TEXT").doLayout(event("hello", Map.of("requestId", "r-2"), null)));
        assertThrows(IllegalArgumentException.class, () -> new LogLayout("xml"));
    }
}
