package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names, tags and digests outside the spec's grammar get the spec's codes, never a 500. */
class GrammarApiTest {
    private final Api api = TestRegistry.api();

    @ParameterizedTest
    @ValueSource(strings = {"UPPER", "a//b", "-lead", "trail-", "a..b", "a/.b", "a%20b", "_x"})
    void invalidRepositoryNamesAreNameInvalid(String name) {
        assertError(api.get("/v2/" + name + "/tags/list"), 400, "NAME_INVALID");
        assertError(api.send("POST", "/v2/" + name + "/blobs/uploads/", null), 400, "NAME_INVALID");
        assertError(api.get("/v2/" + name + "/manifests/latest"), 400, "NAME_INVALID");
    }

    @org.junit.jupiter.api.Test
    void overlongNamesAreNameInvalid() {
        String name = "a/".repeat(127) + "bb"; // 256 characters
        assertEquals(256, name.length());
        assertError(api.get("/v2/" + name + "/tags/list"), 400, "NAME_INVALID");
        String ok = "a/".repeat(126) + "bbb"; // 255 characters
        assertError(api.get("/v2/" + ok + "/tags/list"), 404, "NAME_UNKNOWN");
    }

    @ParameterizedTest
    @ValueSource(strings = {".dot", "-dash", "has%20space"})
    void invalidTagsAreManifestInvalid(String tag) {
        assertError(api.putManifest("grammar/tags", tag, Api.OCI_MANIFEST, "{}".getBytes()), 400, "MANIFEST_INVALID");
        assertError(api.get("/v2/grammar/tags/manifests/" + tag), 400, "MANIFEST_INVALID");
    }

    @org.junit.jupiter.api.Test
    void overlongTagIsManifestInvalid() {
        assertError(api.get("/v2/grammar/tags/manifests/" + "t".repeat(129)), 400, "MANIFEST_INVALID");
        assertError(api.get("/v2/grammar/tags/manifests/" + "t".repeat(128)), 404, "MANIFEST_UNKNOWN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:abc", "sha256:", "sha1:0123456789abcdef0123456789abcdef01234567", "nocolon", "sha256:G000000000000000000000000000000000000000000000000000000000000000"})
    void invalidDigestsAreDigestInvalid(String d) {
        if (d.contains(":")) assertError(api.get("/v2/grammar/d/manifests/" + d), 400, "DIGEST_INVALID");
        assertError(api.get("/v2/grammar/d/blobs/" + d), 400, "DIGEST_INVALID");
        assertError(api.send("POST", "/v2/grammar/d/blobs/uploads/?digest=" + d, new byte[] {1}), 400, "DIGEST_INVALID");
    }
}
