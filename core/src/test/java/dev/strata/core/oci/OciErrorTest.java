package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OciErrorTest {
    /** The error codes of the OCI distribution-spec (v1.1, "Error Codes" table). */
    static final Set<String> SPEC_CODES = Set.of(
            "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID",
            "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS");

    /**
     * Codes outside the spec's table that the reference implementation (CNCF Distribution,
     * registry/api/errcode and registry/api/v2/errors.go) documents and clients know.
     */
    static final Set<String> DOCUMENTED_EXTRAS = Set.of(
            "UNKNOWN", "UNAVAILABLE", "RANGE_INVALID", "PAGINATION_NUMBER_INVALID");

    @Test
    void everyCodeIsASpecCodeOrADocumentedExtra() {
        for (OciError e : OciError.values()) {
            assertTrue(SPEC_CODES.contains(e.code()) || DOCUMENTED_EXTRAS.contains(e.code()),
                    e + " has undocumented code " + e.code());
        }
    }

    @Test
    void everyStatusIsAnHttpErrorStatusAndEveryMessageIsSet() {
        for (OciError e : OciError.values()) {
            assertTrue(e.status() >= 400 && e.status() <= 599, e + " status " + e.status());
            assertTrue(e.message() != null && !e.message().isBlank(), e + " has no message");
        }
    }

    @Test
    void specCodesAndStatuses() {
        assertCodeAndStatus(OciError.BLOB_UNKNOWN, "BLOB_UNKNOWN", 404);
        assertCodeAndStatus(OciError.BLOB_UPLOAD_INVALID, "BLOB_UPLOAD_INVALID", 400);
        assertCodeAndStatus(OciError.BLOB_UPLOAD_RANGE_INVALID, "BLOB_UPLOAD_INVALID", 416);
        assertCodeAndStatus(OciError.BLOB_UPLOAD_UNKNOWN, "BLOB_UPLOAD_UNKNOWN", 404);
        assertCodeAndStatus(OciError.DIGEST_INVALID, "DIGEST_INVALID", 400);
        assertCodeAndStatus(OciError.MANIFEST_BLOB_UNKNOWN, "MANIFEST_BLOB_UNKNOWN", 400);
        assertCodeAndStatus(OciError.MANIFEST_INVALID, "MANIFEST_INVALID", 400);
        assertCodeAndStatus(OciError.MANIFEST_UNKNOWN, "MANIFEST_UNKNOWN", 404);
        assertCodeAndStatus(OciError.NAME_INVALID, "NAME_INVALID", 400);
        assertCodeAndStatus(OciError.NAME_UNKNOWN, "NAME_UNKNOWN", 404);
        assertCodeAndStatus(OciError.SIZE_INVALID, "SIZE_INVALID", 400);
        assertCodeAndStatus(OciError.UNAUTHORIZED, "UNAUTHORIZED", 401);
        assertCodeAndStatus(OciError.DENIED, "DENIED", 403);
        assertCodeAndStatus(OciError.UNSUPPORTED, "UNSUPPORTED", 405);
        assertCodeAndStatus(OciError.TOO_MANY_REQUESTS, "TOOMANYREQUESTS", 429);
    }

    @Test
    void extrasCodesAndStatuses() {
        assertCodeAndStatus(OciError.MANIFEST_TOO_LARGE, "SIZE_INVALID", 413);
        assertCodeAndStatus(OciError.TAG_INVALID, "MANIFEST_INVALID", 400);
        assertCodeAndStatus(OciError.PAGINATION_NUMBER_INVALID, "PAGINATION_NUMBER_INVALID", 400);
        assertCodeAndStatus(OciError.RANGE_NOT_SATISFIABLE, "RANGE_INVALID", 416);
        assertCodeAndStatus(OciError.ROUTE_UNKNOWN, "UNSUPPORTED", 404);
        assertCodeAndStatus(OciError.UNAVAILABLE, "UNAVAILABLE", 503);
        assertCodeAndStatus(OciError.INTERNAL, "UNKNOWN", 500);
    }

    @Test
    void everySpecCodeHasAnEntry() {
        Set<String> used = new java.util.HashSet<>();
        for (OciError e : OciError.values()) used.add(e.code());
        assertTrue(used.containsAll(SPEC_CODES), "missing spec codes: " + SPEC_CODES.stream().filter(c -> !used.contains(c)).toList());
    }

    @Test
    void exceptionCarriesErrorAndDetail() {
        OciException e = OciError.BLOB_UNKNOWN.exception("sha256:abc not here");
        assertSame(OciError.BLOB_UNKNOWN, e.error());
        assertEquals("sha256:abc not here", e.detail());
        assertEquals("BLOB_UNKNOWN: sha256:abc not here", e.getMessage());

        OciException plain = OciError.DENIED.exception();
        assertSame(OciError.DENIED, plain.error());
        assertNull(plain.detail());
        assertEquals("DENIED: " + OciError.DENIED.message(), plain.getMessage());
    }

    @Test
    void exceptionKeepsCauseAndSkipsStackTrace() {
        Throwable cause = new IllegalStateException("boom");
        OciException e = new OciException(OciError.INTERNAL, "x", cause);
        assertSame(cause, e.getCause());
        assertEquals(0, e.getStackTrace().length, "OciException is a control-flow error: no stack trace");
        assertFalse(e.getMessage().isEmpty());
    }

    private static void assertCodeAndStatus(OciError e, String code, int status) {
        assertEquals(code, e.code(), e + " code");
        assertEquals(status, e.status(), e + " status");
    }
}
