package dev.strata.core.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based fuzzing of everything that parses untrusted input in core: the manifest parser and
 * validator (mutations of valid manifests of all four media types, and raw bytes), the name, tag,
 * reference and digest grammar (events: EventCodecFuzzTest). The property: the parser accepts, or
 * rejects with an OciException of a 4xx status (events: UnknownEventException); nothing else
 * escapes. Accepted input is re-checked against the grammar. Figures: docs/security.md.
 */
public class ParserFuzzTest {
    static final String C = "sha256:" + "c".repeat(64);
    static final String L = "sha256:" + "1".repeat(64);
    static final String M = "sha256:" + "a".repeat(64);
    private static final byte[] INTERESTING = "{}[]\":,\\0-9eE.+ \u0000\t\nnulltruefalse".getBytes(StandardCharsets.ISO_8859_1);

    static String desc(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    static List<String[]> seeds() {
        String subject = ",\"subject\":" + desc(MediaTypes.OCI_MANIFEST, M, 10) + ",\"annotations\":{\"a\":\"b\"},\"artifactType\":\"x/y\"";
        return List.of(
                new String[] {MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                        + desc("application/vnd.oci.image.config.v1+json", C, 100) + ",\"layers\":["
                        + desc("application/vnd.oci.image.layer.v1.tar+gzip", L, 1000) + "]" + subject + "}"},
                new String[] {MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                        + desc(MediaTypes.OCI_MANIFEST, M, 500).replace("}", ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}")
                        + "]" + subject + "}"},
                new String[] {MediaTypes.DOCKER_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":"
                        + desc("application/vnd.docker.container.image.v1+json", C, 100) + ",\"layers\":["
                        + desc("application/vnd.docker.image.rootfs.diff.tar.gzip", L, 1000) + "]}"},
                new String[] {MediaTypes.DOCKER_MANIFEST_LIST, "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST
                        + "\",\"manifests\":[" + desc(MediaTypes.DOCKER_MANIFEST, M, 500) + "]}"});
    }

    /** Up to 8 random edits: flip, insert or delete a byte (often a JSON-significant one), or truncate. */
    public static byte[] mutate(byte[] in, long seed) {
        Random r = new Random(seed);
        List<Byte> b = new ArrayList<>();
        for (byte x : in) b.add(x);
        int edits = 1 + r.nextInt(8);
        for (int i = 0; i < edits && !b.isEmpty(); i++) {
            int at = r.nextInt(b.size());
            byte v = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)] : (byte) r.nextInt(256);
            switch (r.nextInt(5)) {
                case 0 -> b.set(at, v);
                case 1 -> b.add(at, v);
                case 2 -> b.remove(at);
                case 3 -> b.subList(at, b.size()).clear();
                default -> {
                    // duplicate a slice: repeated keys, nested copies
                    int len = Math.min(b.size() - at, 1 + r.nextInt(40));
                    b.addAll(at, new ArrayList<>(b.subList(at, at + len)));
                }
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) out[i] = b.get(i);
        return out;
    }

    private static void acceptOrReject400(Runnable parse, String what) {
        try {
            parse.run();
            Statistics.collect(what, "accepted");
        } catch (OciException e) {
            assertTrue(e.error().status() >= 400 && e.error().status() < 500, () -> "not a client error: " + e.error() + " " + e.getMessage());
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "rejections say why");
            Statistics.collect(what, "rejected " + e.error().code());
        }
    }

    @Property(tries = 10_000)
    void mutatedManifestsAreParsedOrRejectedAsInvalid(@ForAll("seedIndex") int which, @ForAll long seed, @ForAll boolean keepContentType) {
        String[] s = seeds().get(which);
        byte[] body = mutate(s[1].getBytes(StandardCharsets.UTF_8), seed);
        acceptOrReject400(() -> {
            Manifest m = ManifestParser.parse(keepContentType ? s[0] : null, body);
            // what is accepted is well-formed: a known media type and valid digests
            assertTrue(MediaTypes.MANIFESTS.contains(m.mediaType()));
            m.blobs().forEach(d -> assertEquals(d, Digest.parse(d.toString())));
        }, "manifest");
    }

    @Property(tries = 3_000)
    void arbitraryBytesAreRejectedAsManifests(@ForAll @Size(max = 2000) byte[] body, @ForAll("mediaTypes") String contentType) {
        acceptOrReject400(() -> ManifestParser.parse(contentType, body), "bytes");
    }

    @Property(tries = 5_000)
    void namesTagsReferencesAndDigestsFromArbitraryStrings(@ForAll @StringLength(max = 300) String s) {
        grammar(s);
    }

    @Property(tries = 10_000)
    void namesTagsReferencesAndDigestsNearTheGrammar(@ForAll("grammarish") String s) {
        grammar(s);
    }

    private static void grammar(String s) {
        acceptOrReject400(() -> {
            Names.repository(s);
            assertTrue(s.length() <= Names.MAX_NAME_LENGTH && s.matches("[a-z0-9._/-]+") && !s.contains("//") && !s.contains("..")
                    && !s.startsWith("/") && !s.endsWith("/"), s);
        }, "name");
        acceptOrReject400(() -> assertEquals(s, Reference.parse(s).toString()), "reference");
        acceptOrReject400(() -> {
            Digest d = Digest.parse(s);
            assertEquals(s, d.toString());
        }, "digest");
        if (Names.isTag(s)) assertTrue(s.length() <= 128 && !s.startsWith(".") && !s.startsWith("-"), s);
    }

    @Provide
    Arbitrary<Integer> seedIndex() {
        return Arbitraries.integers().between(0, seeds().size() - 1);
    }

    @Provide
    Arbitrary<String> mediaTypes() {
        return Arbitraries.of("", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST,
                "application/json", "text/plain");
    }

    @Provide
    Arbitrary<String> grammarish() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abz09._-/:").ofMaxLength(12),
                Arbitraries.of("sha256:", "sha512:", "a", "..", "//", "__", "---", "%2F", "\r\n", "A", "é", "\u0000", "0123456789abcdef"),
                Arbitraries.strings().withChars("0123456789abcdef").ofLength(64));
        return piece.list().ofMaxSize(12).map(l -> String.join("", l));
    }
}
