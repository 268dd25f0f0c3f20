package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
    static final String C = "sha256:" + "c".repeat(64);
    static final String L1 = "sha256:" + "1".repeat(64);
    static final String L2 = "sha256:" + "2".repeat(64);
    static final String M1 = "sha256:" + "a".repeat(64);
    static final String M2 = "sha512:" + "b".repeat(128);
    static final String S = "sha256:" + "5".repeat(64);

    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static String desc(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    static String ociManifest(String extra) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"config\":" + desc(OCI_CONFIG, C, 100) + ","
                + "\"layers\":[" + desc(OCI_LAYER, L1, 1000) + "," + desc(OCI_LAYER, L2, 2000) + "]"
                + extra + "}";
    }

    static Manifest parse(String contentType, String body) {
        return ManifestParser.parse(contentType, b(body));
    }

    static OciException invalid(String contentType, String body) {
        return invalid(contentType, b(body));
    }

    static OciException invalid(String contentType, byte[] body) {
        OciException e = assertThrows(OciException.class, () -> ManifestParser.parse(contentType, body));
        assertEquals(OciError.MANIFEST_INVALID, e.error(), e.getMessage());
        return e;
    }

    // ---- the four media types

    @Test
    void ociImageManifest() {
        Manifest m = parse(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}"));
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertEquals(List.of(Digest.parse(C), Digest.parse(L1), Digest.parse(L2)), m.blobs());
        assertEquals(List.of(), m.manifests());
        assertNull(m.subject());
        assertEquals(OCI_CONFIG, m.artifactType());
        assertEquals(Map.of("org.opencontainers.image.created", "2024-01-01T00:00:00Z"), m.annotations());
    }

    @Test
    void ociImageManifestWithoutMediaTypeFieldTakesContentType() {
        String body = "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":[]}";
        Manifest m = parse(MediaTypes.OCI_MANIFEST, body);
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertEquals(List.of(Digest.parse(C)), m.blobs());
        assertEquals(Map.of(), m.annotations());
    }

    @Test
    void mediaTypeFromBodyWhenNoContentType() {
        assertEquals(MediaTypes.OCI_MANIFEST, parse(null, ociManifest("")).mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, parse("", ociManifest("")).mediaType());
    }

    @Test
    void noMediaTypeAnywhereIsInvalid() {
        invalid(null, "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":[]}");
    }

    @Test
    void ociIndex() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + M1 + "\",\"size\":500,"
                + "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + desc(MediaTypes.OCI_MANIFEST, M2, 600) + "],"
                + "\"annotations\":{\"k\":\"v\"}}";
        Manifest m = parse(MediaTypes.OCI_INDEX, body);
        assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
        assertEquals(List.of(), m.blobs());
        assertEquals(List.of(Digest.parse(M1), Digest.parse(M2)), m.manifests());
        assertNull(m.artifactType());
        assertEquals(Map.of("k", "v"), m.annotations());
    }

    @Test
    void ociIndexWithoutManifestsIsInvalid() {
        invalid(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\"}");
        invalid(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":{}}");
    }

    @Test
    void ociIndexWithBadChildDigestIsInvalid() {
        invalid(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[" + desc(MediaTypes.OCI_MANIFEST, "sha256:xyz", 1) + "]}");
    }

    @Test
    void dockerManifest() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\","
                + "\"config\":" + desc(DOCKER_CONFIG, C, 1469) + ","
                + "\"layers\":[" + desc(DOCKER_LAYER, L1, 2789669) + "]}";
        Manifest m = parse(MediaTypes.DOCKER_MANIFEST, body);
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertEquals(List.of(Digest.parse(C), Digest.parse(L1)), m.blobs());
        assertEquals(DOCKER_CONFIG, m.artifactType());
        assertNull(m.subject());
    }

    @Test
    void dockerManifestList() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
                + desc(MediaTypes.DOCKER_MANIFEST, M1, 528) + "," + desc(MediaTypes.DOCKER_MANIFEST, M2, 529) + "]}";
        Manifest m = parse(MediaTypes.DOCKER_MANIFEST_LIST, body);
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, m.mediaType());
        assertEquals(List.of(Digest.parse(M1), Digest.parse(M2)), m.manifests());
        assertEquals(List.of(), m.blobs());
    }

    @Test
    void dockerTypesHaveNoSubjectOrArtifactType() {
        String subject = ",\"subject\":" + desc(MediaTypes.DOCKER_MANIFEST, S, 10);
        invalid(MediaTypes.DOCKER_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(DOCKER_CONFIG, C, 1)
                + ",\"layers\":[]" + subject + "}");
        invalid(MediaTypes.DOCKER_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(DOCKER_CONFIG, C, 1)
                + ",\"layers\":[],\"artifactType\":\"x/y\"}");
        invalid(MediaTypes.DOCKER_MANIFEST_LIST, "{\"schemaVersion\":2,\"manifests\":[]" + subject + "}");
        invalid(MediaTypes.DOCKER_MANIFEST_LIST, "{\"schemaVersion\":2,\"manifests\":[],\"artifactType\":\"x/y\"}");
    }

    // ---- media type checks

    @Test
    void contentTypeAndBodyMediaTypeMismatch() {
        OciException e = invalid(MediaTypes.DOCKER_MANIFEST, ociManifest(""));
        assertTrue(e.detail().contains("does not match"), e.detail());
        invalid(MediaTypes.OCI_INDEX, ociManifest(""));
    }

    @Test
    void schema1MediaTypesRejected() {
        String body = "{\"schemaVersion\":1,\"name\":\"a\",\"tag\":\"latest\",\"fsLayers\":[],\"history\":[]}";
        OciException e = invalid(MediaTypes.DOCKER_SCHEMA1, body);
        assertTrue(e.detail().contains("schema 1"), e.detail());
        invalid(MediaTypes.DOCKER_SCHEMA1_SIGNED, body);
        invalid(null, "{\"schemaVersion\":1,\"mediaType\":\"" + MediaTypes.DOCKER_SCHEMA1 + "\"}");
    }

    @Test
    void unknownMediaTypeRejected() {
        invalid("application/json", ociManifest("").replace(MediaTypes.OCI_MANIFEST, "application/json"));
        invalid("application/vnd.oci.image.config.v1+json", "{\"schemaVersion\":2}");
    }

    @Test
    void mediaTypeMustBeAString() {
        invalid(null, "{\"schemaVersion\":2,\"mediaType\":5}");
    }

    // ---- schemaVersion

    @Test
    void schemaVersionMustBeTheInteger2() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":1"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":3"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":\"2\""));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":2.5"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2,", ""));
        // 2^32 + 2 must not wrap to 2
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":4294967298"));
        // 2^64 + 2 must not wrap to 2 either
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":18446744073709551618"));
    }

    // ---- not an object

    @Test
    void nonJsonRejected() {
        invalid(MediaTypes.OCI_MANIFEST, "not json");
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,");
        invalid(MediaTypes.OCI_MANIFEST, new byte[0]);
        invalid(MediaTypes.OCI_MANIFEST, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    }

    @Test
    void trailingContentAfterTheObjectRejected() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("") + "{}");
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("") + " garbage");
    }

    @Test
    void jsonThatIsNotAnObjectRejected() {
        invalid(MediaTypes.OCI_MANIFEST, "[" + ociManifest("") + "]");
        invalid(MediaTypes.OCI_MANIFEST, "\"a string\"");
        invalid(MediaTypes.OCI_MANIFEST, "42");
        invalid(MediaTypes.OCI_MANIFEST, "null");
    }

    @Test
    void duplicateKeysRejected() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"config\":" + desc(OCI_CONFIG, L2, 5)));
    }

    // ---- descriptors

    @Test
    void missingConfigRejected() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"layers\":[]}";
        OciException e = invalid(MediaTypes.OCI_MANIFEST, body);
        assertTrue(e.detail().contains("config"), e.detail());
    }

    @Test
    void configMustBeAnObject() {
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":\"" + C + "\",\"layers\":[]}");
    }

    @Test
    void missingLayersRejected() {
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + "}");
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":{}}");
    }

    @Test
    void badDigestInLayerRejected() {
        OciException e = invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace(L2, "sha256:" + "Z".repeat(64)));
        assertTrue(e.detail().contains("layers[1]"), "names the field at fault: " + e.detail());
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace(L2, "md5:d41d8cd98f00b204e9800998ecf8427e"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"" + L2 + "\"", "7"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace(",\"digest\":\"" + L2 + "\"", ""));
    }

    @Test
    void badConfigDigestRejected() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace(C, "sha256:short"));
    }

    @Test
    void descriptorWithoutMediaTypeRejected() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("{\"mediaType\":\"" + OCI_LAYER + "\",", "{"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"mediaType\":\"" + OCI_LAYER + "\"", "\"mediaType\":\"\""));
    }

    @Test
    void sizeMustBeANonNegativeInteger() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":-1"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":100", "\"size\":-100"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":\"2000\""));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":1.5"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":99999999999999999999999"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace(",\"size\":2000", ""));
        // zero is fine
        assertEquals(3, parse(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":0")).blobs().size());
    }

    @Test
    void layerMustBeAnObject() {
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":[\"" + L1 + "\"]}");
        invalid(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":[null]}");
    }

    // ---- subject, artifactType, annotations

    @Test
    void subjectAndArtifactTypeExtracted() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + "\"artifactType\":\"application/vnd.example.sbom.v1+json\","
                + "\"config\":" + desc(MediaTypes.OCI_EMPTY, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", 2) + ","
                + "\"layers\":[" + desc("application/spdx+json", L1, 77) + "],"
                + "\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + S + "\",\"size\":1234,"
                + "\"annotations\":{\"x\":\"y\"}},"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-05-01T00:00:00Z\"}}";
        Manifest m = parse(MediaTypes.OCI_MANIFEST, body);
        assertEquals("application/vnd.example.sbom.v1+json", m.artifactType());
        assertEquals(new Descriptor(MediaTypes.OCI_MANIFEST, S, 1234, null, Map.of("x", "y")), m.subject());
        assertEquals(Map.of("org.opencontainers.image.created", "2024-05-01T00:00:00Z"), m.annotations());
        // the subject is not a blob the manifest requires
        assertTrue(m.blobs().stream().noneMatch(d -> d.toString().equals(S)));
        assertEquals(2, m.blobs().size());
    }

    @Test
    void artifactTypeFallsBackToConfigMediaType() {
        Manifest m = parse(MediaTypes.OCI_MANIFEST, ociManifest(""));
        assertEquals(OCI_CONFIG, m.artifactType());
        Manifest explicit = parse(MediaTypes.OCI_MANIFEST, ociManifest(",\"artifactType\":\"application/x-foo\""));
        assertEquals("application/x-foo", explicit.artifactType());
    }

    @Test
    void indexWithSubjectAndArtifactType() {
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"artifactType\":\"application/x-bundle\","
                + "\"manifests\":[" + desc(MediaTypes.OCI_MANIFEST, M1, 10) + "],"
                + "\"subject\":" + desc(MediaTypes.OCI_INDEX, S, 99) + "}";
        Manifest m = parse(MediaTypes.OCI_INDEX, body);
        assertEquals("application/x-bundle", m.artifactType());
        assertEquals(S, m.subject().digest());
        assertEquals(99, m.subject().size());
    }

    @Test
    void invalidSubjectRejected() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"subject\":" + desc(MediaTypes.OCI_MANIFEST, "sha256:nope", 1)));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"subject\":\"" + S + "\""));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"subject\":" + desc(MediaTypes.OCI_MANIFEST, S, -5)));
    }

    @Test
    void artifactTypeMustBeAString() {
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"artifactType\":{}"));
    }

    @Test
    void nonDistributableLayersSkippedFromBlobRefs() {
        String foreign = "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" + L2
                + "\",\"size\":1,\"urls\":[\"https://example.com/layer\"]}";
        String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\","
                + "\"config\":" + desc(DOCKER_CONFIG, C, 1) + ",\"layers\":[" + foreign + "," + desc(DOCKER_LAYER, L1, 5) + "]}";
        assertEquals(List.of(Digest.parse(C), Digest.parse(L1)), parse(MediaTypes.DOCKER_MANIFEST, body).blobs());

        for (String nd : MediaTypes.NON_DISTRIBUTABLE) {
            String oci = ociManifest("").replace("{\"mediaType\":\"" + OCI_LAYER + "\",\"digest\":\"" + L2,
                    "{\"mediaType\":\"" + nd + "\",\"digest\":\"" + L2);
            assertEquals(List.of(Digest.parse(C), Digest.parse(L1)), parse(MediaTypes.OCI_MANIFEST, oci).blobs(), nd);
        }
    }

    @Test
    void nonDistributableLayerDigestsAreStillValidated() {
        String body = "{\"schemaVersion\":2,\"config\":" + desc(DOCKER_CONFIG, C, 1) + ",\"layers\":["
                + desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "sha256:bad", 1) + "]}";
        invalid(MediaTypes.DOCKER_MANIFEST, body);
    }

    @Test
    void annotationsMustBeStrings() {
        OciException e = invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"a\":\"ok\",\"b\":1}"));
        assertTrue(e.detail().contains("b"), e.detail());
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"a\":true}"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"a\":{\"nested\":\"x\"}}"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"a\":null}"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":[\"a\"]"));
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":\"a=b\""));
        // descriptor annotations too
        invalid(MediaTypes.OCI_MANIFEST, ociManifest("").replace("\"size\":2000", "\"size\":2000,\"annotations\":{\"n\":5}"));
    }

    @Test
    void annotationsPreservedInOrder() {
        Manifest m = parse(MediaTypes.OCI_MANIFEST, ociManifest(",\"annotations\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"}"));
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.annotations().keySet()));
    }

    // ---- limits

    @Test
    void deepNestingRejected() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        invalid(MediaTypes.OCI_MANIFEST, ociManifest(",\"x\":" + deep));
        // moderate nesting in an unknown field is fine
        String ok = "[".repeat(20) + "]".repeat(20);
        assertEquals(3, parse(MediaTypes.OCI_MANIFEST, ociManifest(",\"x\":" + ok)).blobs().size());
    }

    @Test
    void tooManyLayersRejected() {
        assertEquals(10_000, ManifestParser.MAX_DESCRIPTORS);
        String layer = desc(OCI_LAYER, L1, 1);
        String max = "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":["
                + String.join(",", java.util.Collections.nCopies(10_000, layer)) + "]}";
        assertEquals(10_001, parse(MediaTypes.OCI_MANIFEST, max).blobs().size());
        String over = "{\"schemaVersion\":2,\"config\":" + desc(OCI_CONFIG, C, 1) + ",\"layers\":["
                + String.join(",", java.util.Collections.nCopies(10_001, layer)) + "]}";
        invalid(MediaTypes.OCI_MANIFEST, over);
    }

    @Test
    void tooManyIndexEntriesRejected() {
        String entry = desc(MediaTypes.OCI_MANIFEST, M1, 1);
        String over = "{\"schemaVersion\":2,\"manifests\":[" + String.join(",", java.util.Collections.nCopies(10_001, entry)) + "]}";
        invalid(MediaTypes.OCI_INDEX, over);
    }

    @Test
    void resultListsAreImmutable() {
        Manifest m = parse(MediaTypes.OCI_MANIFEST, ociManifest(""));
        assertThrows(UnsupportedOperationException.class, () -> m.blobs().add(Digest.parse(S)));
        assertThrows(UnsupportedOperationException.class, () -> m.manifests().add(Digest.parse(S)));
    }
}
