package dev.strata.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Prometheus text format, label escaping, the series bound, readiness aggregation, request ids. */
class MetricsTest {
    @Test
    void rendersCountersAndGaugesInTheTextFormat() {
        Metrics m = new Metrics();
        Metrics.Counter c = m.counter("strata_things_total", "Things seen", "kind");
        c.inc("a");
        c.add(41, "a");
        c.inc("b\"q\\\n");
        m.gauge("strata_level", "A level", () -> 2.5);
        String s = m.scrape();
        assertTrue(s.contains("# HELP strata_things_total Things seen\n# TYPE strata_things_total counter\n"), s);
        assertTrue(s.contains("strata_things_total{kind=\"a\"} 42\n"), s);
        assertTrue(s.contains("strata_things_total{kind=\"b\\\"q\\\\\\n\"} 1\n"), s);
        assertTrue(s.contains("# TYPE strata_level gauge\nstrata_level 2.5\n"), s);
        assertEquals(42, c.value("a"));
        assertEquals(c, m.counter("strata_things_total", "again", "kind"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("strata_things_total", "x", "other"));
        assertThrows(IllegalArgumentException.class, () -> c.add(-1, "a"));
        assertThrows(IllegalArgumentException.class, () -> c.inc("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("bad-name", "x"));
    }

    @Test
    void labelSetsAreBounded() {
        Metrics m = new Metrics();
        Metrics.Counter c = m.counter("strata_paths_total", "x", "path");
        for (int i = 0; i < Metrics.MAX_SERIES + 50; i++) c.inc("/p" + i);
        assertEquals(50, c.value("other"));
        long lines = m.scrape().lines().filter(l -> l.startsWith("strata_paths_total{")).count();
        assertEquals(Metrics.MAX_SERIES + 1, lines);
    }

    @Test
    void aFailingGaugeDoesNotFailTheScrape() {
        Metrics m = new Metrics();
        m.gauge("strata_broken", "x", () -> { throw new IllegalStateException("kafka away"); });
        m.gauge("strata_fine", "x", () -> 1);
        String s = m.scrape();
        assertTrue(s.contains("# strata_broken unavailable: java.lang.IllegalStateException: kafka away\n"), s);
        assertTrue(s.contains("strata_fine 1\n"), s);
        assertFalse(s.contains("# TYPE strata_broken"), s);
    }

    @Test
    void readinessNeedsEveryCheck() {
        Health h = new Health().check("a", () -> null);
        assertTrue(h.readiness().ready());
        assertEquals("{\"status\":\"ready\",\"checks\":{\"a\":\"ok\"}}", h.readiness().json());
        h.check("b", () -> "3 records \"behind\"");
        h.check("c", () -> { throw new IllegalStateException("boom"); });
        Health.Readiness r = h.readiness();
        assertFalse(r.ready());
        assertEquals("{\"status\":\"not ready\",\"checks\":{\"a\":\"ok\",\"b\":\"3 records \\\"behind\\\"\",\"c\":\"boom\"}}", r.json());
    }

    @Test
    void requestIdsAreKeptWhenSaneAndMintedOtherwise() {
        assertEquals("abc-1.2:3_x", HttpMetrics.requestId("abc-1.2:3_x"));
        for (String bad : new String[]{null, "has space", "x".repeat(129), "", "new\nline"}) {
            String id = HttpMetrics.requestId(bad);
            assertTrue(id.matches("[0-9a-f]{32}"), id);
        }
        assertTrue(!HttpMetrics.requestId(null).equals(HttpMetrics.requestId(null)));
    }
}
