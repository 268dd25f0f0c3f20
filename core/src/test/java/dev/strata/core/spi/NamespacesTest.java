package dev.strata.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NamespacesTest {
    private final Namespaces ns = new Namespaces(List.of("org/team", "org", "org/team/deep"));

    @Test
    void theLongestConfiguredPrefixOnAComponentBoundaryWins() {
        assertEquals("org/team", ns.of("org/team/app"));
        assertEquals("org/team", ns.of("org/team"));
        assertEquals("org/team/deep", ns.of("org/team/deep/x/y"));
        assertEquals("org", ns.of("org/teamwork/app"), "org/team is not a component prefix of org/teamwork");
        assertEquals("other", ns.of("other/app"));
        assertEquals("single", ns.of("single"));
        assertEquals("org", Namespaces.firstComponent().of("org/team/app"));
    }

    @Test
    void onlyNamesWithoutSlashOrConfiguredPrefixesAreNamespaces() {
        assertTrue(ns.isNamespace("team-a"));
        assertTrue(ns.isNamespace("org/team"));
        assertFalse(ns.isNamespace("org/other"));
    }

    @Test
    void badPrefixesAreRefusedAndTheCanonicalFormIgnoresOrder() {
        assertThrows(IllegalArgumentException.class, () -> new Namespaces(List.of("Org/Team")));
        assertThrows(IllegalArgumentException.class, () -> new Namespaces(List.of("a//b")));
        assertEquals(new Namespaces(List.of("b/c", "a")).canonical(), new Namespaces(List.of("a", "b/c", "a")).canonical());
    }
}
