package dev.strata.core.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates manifest bytes against the schema of their media type: the OCI image
 * manifest and index, and the Docker schema 2 manifest and manifest list. Every failure is
 * MANIFEST_INVALID with a message naming the field at fault. Pure: no I/O.
 */
public final class ManifestParser {
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** At most this many descriptors in one manifest's layers or manifests list. */
    public static final int MAX_DESCRIPTORS = 10_000;

    private ManifestParser() {}

    /**
     * @param contentType the request's Content-Type without parameters, or null/empty to take the
     *                    media type from the body's mediaType field
     */
    public static Manifest parse(String contentType, byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid("manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("manifest could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw invalid("manifest must be a JSON object");
        String bodyType = optText(root, "mediaType");
        String mediaType = contentType == null || contentType.isBlank() ? bodyType : contentType;
        if (mediaType == null) throw invalid("no media type: set Content-Type or the mediaType field");
        if (bodyType != null && !bodyType.equals(mediaType)) {
            throw invalid("mediaType " + bodyType + " in the body does not match Content-Type " + mediaType);
        }
        if (MediaTypes.DOCKER_SCHEMA1.equals(mediaType) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(mediaType)) {
            throw invalid("Docker schema 1 manifests are not supported");
        }
        if (!MediaTypes.MANIFESTS.contains(mediaType)) throw invalid("unsupported manifest media type: " + Digest.truncate(mediaType));
        JsonNode schemaVersion = root.get("schemaVersion");
        if (schemaVersion == null || !schemaVersion.isIntegralNumber() || !schemaVersion.canConvertToInt() || schemaVersion.intValue() != 2) {
            throw invalid("schemaVersion must be 2");
        }
        Descriptor subject = root.has("subject") ? descriptor(root.get("subject"), "subject") : null;
        Map<String, String> annotations = annotations(root.get("annotations"), "annotations");
        String artifactType = optText(root, "artifactType");
        List<Digest> blobs = new ArrayList<>();
        List<Digest> manifests = new ArrayList<>();
        if (MediaTypes.isIndex(mediaType)) {
            if (MediaTypes.DOCKER_MANIFEST_LIST.equals(mediaType) && (subject != null || artifactType != null)) {
                throw invalid("a Docker manifest list has no subject or artifactType");
            }
            for (Descriptor d : descriptors(root, "manifests", true)) {
                manifests.add(Digest.parse(d.digest()));
            }
        } else {
            Descriptor config = descriptor(root.get("config"), "config");
            blobs.add(Digest.parse(config.digest()));
            for (Descriptor d : descriptors(root, "layers", true)) {
                if (!MediaTypes.NON_DISTRIBUTABLE.contains(d.mediaType())) blobs.add(Digest.parse(d.digest()));
            }
            if (MediaTypes.DOCKER_MANIFEST.equals(mediaType) && (subject != null || artifactType != null)) {
                throw invalid("a Docker schema 2 manifest has no subject or artifactType");
            }
            if (artifactType == null) artifactType = config.mediaType();
        }
        return new Manifest(mediaType, List.copyOf(blobs), List.copyOf(manifests), subject, artifactType, annotations);
    }

    private static List<Descriptor> descriptors(JsonNode root, String field, boolean required) {
        JsonNode arr = root.get(field);
        if (arr == null) {
            if (required) throw invalid(field + " is missing");
            return List.of();
        }
        if (!arr.isArray()) throw invalid(field + " must be an array");
        if (arr.size() > MAX_DESCRIPTORS) throw invalid(field + " has more than " + MAX_DESCRIPTORS + " entries");
        List<Descriptor> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) out.add(descriptor(arr.get(i), field + "[" + i + "]"));
        return out;
    }

    /** Validates one descriptor: mediaType, a well-formed digest and a non-negative size. */
    static Descriptor descriptor(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw invalid(where + " must be a descriptor object");
        String mediaType = optText(n, "mediaType");
        if (mediaType == null || mediaType.isEmpty()) throw invalid(where + ".mediaType is missing");
        String digest = optText(n, "digest");
        if (digest == null) throw invalid(where + ".digest is missing");
        try {
            Digest.parse(digest);
        } catch (OciException e) {
            throw invalid(where + ".digest: " + e.detail());
        }
        JsonNode size = n.get("size");
        if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
            throw invalid(where + ".size must be a non-negative integer");
        }
        return new Descriptor(mediaType, digest, size.asLong(), optText(n, "artifactType"),
                annotationsOrNull(n.get("annotations"), where + ".annotations"));
    }

    private static Map<String, String> annotationsOrNull(JsonNode n, String where) {
        Map<String, String> a = annotations(n, where);
        return a.isEmpty() ? null : a;
    }

    private static Map<String, String> annotations(JsonNode n, String where) {
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw invalid(where + " must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        var it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw invalid(where + "." + e.getKey() + " must be a string");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static String optText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw invalid(field + " must be a string");
        return v.asText();
    }

    private static OciException invalid(String detail) {
        return OciError.MANIFEST_INVALID.exception(detail);
    }
}
