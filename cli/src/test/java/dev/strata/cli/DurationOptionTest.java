package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationOptionTest {
    @Test
    void parsesUnits() {
        assertEquals(Duration.ofMillis(500), Main.duration("x", "500ms"));
        assertEquals(Duration.ofSeconds(30), Main.duration("x", "30s"));
        assertEquals(Duration.ofMinutes(5), Main.duration("x", "5m"));
        assertEquals(Duration.ofHours(1), Main.duration("x", "1h"));
        assertEquals(Duration.ofDays(2), Main.duration("x", "2d"));
        assertEquals(Duration.ZERO, Main.duration("x", "0"));
    }

    @Test
    void rejectsGarbageWithTheOptionName() {
        for (String bad : new String[] {"", "h", "5", "-1s", "1y", "1.5h", "9999999999s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Main.duration("--gc-grace", bad));
            assertEquals(true, e.getMessage().contains("--gc-grace"), e.getMessage());
        }
    }
}
