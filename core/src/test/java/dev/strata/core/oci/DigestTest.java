package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    /** sha256 of the empty string. */
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** sha512 of the empty string. */
    static final String EMPTY_SHA512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

    private static OciError errorOf(Runnable r) {
        return assertThrows(OciException.class, r::run).error();
    }

    @Test
    void parsesSha256() {
        Digest d = Digest.parse("sha256:" + EMPTY_SHA256);
        assertEquals("sha256", d.algorithm());
        assertEquals(EMPTY_SHA256, d.encoded());
        assertEquals("sha256:" + EMPTY_SHA256, d.toString());
        assertTrue(Digest.isDigest(d.toString()));
    }

    @Test
    void parsesSha512() {
        Digest d = Digest.parse("sha512:" + EMPTY_SHA512);
        assertEquals("sha512", d.algorithm());
        assertEquals(EMPTY_SHA512, d.encoded());
        assertEquals(135, d.toString().length());
    }

    @Test
    void sha256OfBytesIsTheKnownValue() {
        assertEquals("sha256:" + EMPTY_SHA256, Digest.sha256(new byte[0]).toString());
        assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Digest.sha256("abc".getBytes(StandardCharsets.US_ASCII)).toString());
    }

    @Test
    void equalityAndOrdering() {
        Digest a = Digest.parse("sha256:" + EMPTY_SHA256);
        assertEquals(a, Digest.parse("sha256:" + EMPTY_SHA256));
        assertEquals(a.hashCode(), Digest.parse("sha256:" + EMPTY_SHA256).hashCode());
        Digest b = Digest.parse("sha256:" + "f".repeat(64));
        assertNotEquals(a, b);
        assertTrue(a.compareTo(b) < 0);
        assertTrue(b.compareTo(a) > 0);
    }

    @Test
    void uppercaseHexRejected() {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + EMPTY_SHA256.toUpperCase())));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:A" + EMPTY_SHA256.substring(1))));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("SHA256:" + EMPTY_SHA256)));
    }

    @Test
    void wrongLengthRejected() {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + EMPTY_SHA256.substring(1))));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + EMPTY_SHA256 + "0")));
        // a sha512-length value under the sha256 name and vice versa
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + EMPTY_SHA512)));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha512:" + EMPTY_SHA256)));
    }

    @Test
    void nonHexRejected() {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + "g".repeat(64))));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("sha256:" + "=".repeat(64))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"md5:d41d8cd98f00b204e9800998ecf8427e", "sha384:abc", "blake3:" + EMPTY_SHA256,
            "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"})
    void unknownAlgorithmRejected(String s) {
        OciException e = assertThrows(OciException.class, () -> Digest.parse(s));
        assertEquals(OciError.DIGEST_INVALID, e.error());
        assertFalse(Digest.isDigest(s));
    }

    @Test
    void unknownAlgorithmRejectedByConstructorToo() {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> new Digest("md5", "d41d8cd98f00b204e9800998ecf8427e")));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> new Digest(null, EMPTY_SHA256)));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> new Digest("sha256", null)));
    }

    @Test
    void emptyAndNullRejected() {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse("")));
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse(null)));
        assertFalse(Digest.isDigest(""));
        assertFalse(Digest.isDigest(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256", "sha256:", ":" + EMPTY_SHA256, "sha256::" + EMPTY_SHA256, " sha256:" + EMPTY_SHA256,
            "sha256:" + EMPTY_SHA256 + " ", "sha256:" + EMPTY_SHA256 + "\n", "sha256-:" + EMPTY_SHA256})
    void malformedRejected(String s) {
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse(s)));
    }

    @Test
    void tooLongRejectedWithoutEchoingIt() {
        String huge = "sha256:" + "a".repeat(10_000);
        OciException e = assertThrows(OciException.class, () -> Digest.parse(huge));
        assertEquals(OciError.DIGEST_INVALID, e.error());
        assertTrue(e.getMessage().length() < 300, "error message should truncate the input: " + e.getMessage().length());
        // just over the limit, with an otherwise grammatical string
        String over = "sha512:" + "a".repeat(Digest.MAX_LENGTH);
        assertEquals(OciError.DIGEST_INVALID, errorOf(() -> Digest.parse(over)));
    }

    @Test
    void matchesComparesFinishedDigest() {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(data);
        MessageDigest md = d.newMessageDigest();
        md.update(data);
        assertTrue(d.matches(md));

        MessageDigest other = d.newMessageDigest();
        other.update("hellp".getBytes(StandardCharsets.UTF_8));
        assertFalse(d.matches(other));
    }

    @Test
    void matchesWorksForSha512() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] raw = MessageDigest.getInstance("SHA-512").digest(data);
        Digest d = Digest.parse("sha512:" + java.util.HexFormat.of().formatHex(raw));
        MessageDigest md = d.newMessageDigest();
        assertEquals("SHA-512", md.getAlgorithm());
        md.update(data);
        assertTrue(d.matches(md));

        MessageDigest empty = d.newMessageDigest();
        assertFalse(d.matches(empty));
    }

    @Test
    void newSha256IsSha256() {
        assertEquals("SHA-256", Digest.newSha256().getAlgorithm());
        assertEquals("SHA-256", Digest.parse("sha256:" + EMPTY_SHA256).newMessageDigest().getAlgorithm());
    }
}
