package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The distribution-spec grammar: names {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*}. */
class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "a.b_c__d---e/f", "library/ubuntu", "0", "9a", "a1/b2/c3/d4",
            "my-org/my.app/v1", "a-b", "a--b", "a_b", "a__b", "a.b", "quay.io-mirror/x"})
    void validNames(String name) {
        assertEquals(name, Names.repository(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "Ab", "a/B", "a//b", "-a", "a-", "a..b", "a/", "/a", "a___b", "a_", "_a", ".a", "a.",
            "a/-b", "a/b-", "a b", "a:b", "a@b", "a\\b", "é", "a/b/", "a._b", "a-_b", "a\n", "a\u0000"})
    void invalidNames(String name) {
        OciException e = assertThrows(OciException.class, () -> Names.repository(name));
        assertEquals(OciError.NAME_INVALID, e.error());
    }

    @Test
    void emptyAndNullNamesInvalid() {
        assertEquals(OciError.NAME_INVALID, assertThrows(OciException.class, () -> Names.repository("")).error());
        assertEquals(OciError.NAME_INVALID, assertThrows(OciException.class, () -> Names.repository(null)).error());
    }

    @Test
    void nameLengthLimitIs255() {
        assertEquals(255, Names.MAX_NAME_LENGTH);
        String ok = "a".repeat(255);
        assertEquals(ok, Names.repository(ok));
        // 255 characters made of several components
        String multi = ("abcdefghi/".repeat(25) + "abcde");
        assertEquals(255, multi.length());
        assertEquals(multi, Names.repository(multi));

        String tooLong = "a".repeat(256);
        assertEquals(OciError.NAME_INVALID, assertThrows(OciException.class, () -> Names.repository(tooLong)).error());
        String tooLongMulti = multi + "f";
        assertEquals(OciError.NAME_INVALID, assertThrows(OciException.class, () -> Names.repository(tooLongMulti)).error());
    }

    @Test
    void hugeNameRejectedQuicklyWithTruncatedMessage() {
        String huge = "a".repeat(1_000_000);
        OciException e = assertThrows(OciException.class, () -> Names.repository(huge));
        assertEquals(OciError.NAME_INVALID, e.error());
        assertTrue(e.getMessage().length() < 300);
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "v1.0.0", "1", "_", "_private", "A", "UPPER-lower_1.2", "a-", "a.", "sha256-abc"})
    void validTags(String tag) {
        assertTrue(Names.isTag(tag));
        assertEquals(tag, Names.tag(tag));
    }

    @Test
    void tagLengthLimitIs128() {
        String t128 = "t".repeat(128);
        assertTrue(Names.isTag(t128));
        assertEquals(t128, Names.tag(t128));
        String t129 = "t".repeat(129);
        assertFalse(Names.isTag(t129));
        OciException e = assertThrows(OciException.class, () -> Names.tag(t129));
        assertEquals(OciError.TAG_INVALID, e.error());
        assertEquals("MANIFEST_INVALID", e.error().code());
    }

    @ParameterizedTest
    @ValueSource(strings = {".a", "-a", ".", "-", "a/b", "a:b", "a b", "a+b", "é", "a@b", "a\n"})
    void invalidTags(String tag) {
        assertFalse(Names.isTag(tag));
        assertEquals(OciError.TAG_INVALID, assertThrows(OciException.class, () -> Names.tag(tag)).error());
    }

    @Test
    void emptyAndNullTagsInvalid() {
        assertFalse(Names.isTag(""));
        assertFalse(Names.isTag(null));
        assertEquals(OciError.TAG_INVALID, assertThrows(OciException.class, () -> Names.tag("")).error());
        assertEquals(OciError.TAG_INVALID, assertThrows(OciException.class, () -> Names.tag(null)).error());
    }
}
