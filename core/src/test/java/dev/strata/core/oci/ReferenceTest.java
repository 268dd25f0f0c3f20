package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
    static final String D = "sha256:" + DigestTest.EMPTY_SHA256;

    @Test
    void tagReference() {
        Reference r = Reference.parse("v1.2.3");
        assertFalse(r.isDigest());
        assertEquals("v1.2.3", r.tag());
        assertNull(r.digest());
        assertEquals("v1.2.3", r.toString());
    }

    @Test
    void digestReference() {
        Reference r = Reference.parse(D);
        assertTrue(r.isDigest());
        assertNull(r.tag());
        assertEquals(Digest.parse(D), r.digest());
        assertEquals(D, r.toString());
        assertEquals(r, Reference.of(Digest.parse(D)));
    }

    @Test
    void sha512DigestReference() {
        String d = "sha512:" + DigestTest.EMPTY_SHA512;
        Reference r = Reference.parse(d);
        assertTrue(r.isDigest());
        assertEquals("sha512", r.digest().algorithm());
    }

    @Test
    void somethingWithAColonIsADigestAndMustBeValid() {
        OciException e = assertThrows(OciException.class, () -> Reference.parse("sha256:abc"));
        assertEquals(OciError.DIGEST_INVALID, e.error());
        e = assertThrows(OciException.class, () -> Reference.parse("md5:d41d8cd98f00b204e9800998ecf8427e"));
        assertEquals(OciError.DIGEST_INVALID, e.error());
        e = assertThrows(OciException.class, () -> Reference.parse("latest:1"));
        assertEquals(OciError.DIGEST_INVALID, e.error());
    }

    @Test
    void aTagThatLooksLikeHexIsStillATag() {
        Reference r = Reference.parse(DigestTest.EMPTY_SHA256);
        assertFalse(r.isDigest());
        assertEquals(DigestTest.EMPTY_SHA256, r.tag());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".hidden", "-x", "a/b", "a b"})
    void invalidReferences(String s) {
        OciException e = assertThrows(OciException.class, () -> Reference.parse(s));
        assertEquals("MANIFEST_INVALID", e.error().code());
    }

    @Test
    void nullAndTooLongTagRejected() {
        assertEquals("MANIFEST_INVALID", assertThrows(OciException.class, () -> Reference.parse(null)).error().code());
        assertEquals("MANIFEST_INVALID",
                assertThrows(OciException.class, () -> Reference.parse("x".repeat(129))).error().code());
        assertEquals("x".repeat(128), Reference.parse("x".repeat(128)).tag());
    }
}
