package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An OCI image layout directory: built with umoci, read back with the JDK. */
final class OciLayout {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    final Path dir;

    OciLayout(Path dir) {
        this.dir = dir;
    }

    /** umoci init --layout DIR */
    static OciLayout init(Tools tools, Path dir) {
        tools.umoci("init", "--layout", dir.toString());
        return new OciLayout(dir);
    }

    /** A new empty image tagged {@code tag} with the given platform. */
    OciLayout newImage(Tools tools, String tag, String os, String arch) {
        tools.umoci("new", "--image", dir + ":" + tag);
        tools.umoci("config", "--image", dir + ":" + tag, "--os", os, "--architecture", arch,
                "--config.cmd", "/payload");
        return this;
    }

    /**
     * Appends one layer holding fresh random files (path -> size, or path -> byte[] content) with
     * {@code umoci raw add-layer}; returns path -> sha256 of each file's content. (The tar is
     * written here because umoci 0.4.7's insert writes layer tars without the final padding and
     * end-of-archive blocks.)
     */
    Map<String, String> addLayer(Tools tools, String tag, Map<String, ?> files) {
        try {
            Path tar = Files.createTempFile(dir.toAbsolutePath().getParent(), "layer-", ".tar");
            try {
                Map<String, String> digests = E2E.writeTar(tar, files);
                tools.umoci("raw", "add-layer", "--image", dir + ":" + tag, tar.toString());
                return digests;
            } finally {
                Files.deleteIfExists(tar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops the blobs no longer referenced (each insert leaves the previous manifest behind). */
    OciLayout gc(Tools tools) {
        tools.umoci("gc", "--layout", dir.toString());
        return this;
    }

    /** skopeo/podman transport reference "oci:DIR:TAG". */
    String ref(String tag) {
        return "oci:" + dir + ":" + tag;
    }

    Map<String, Object> index() {
        return Json.obj(Json.parse(read(dir.resolve("index.json"))));
    }

    /** The descriptor in index.json whose ref.name is tag. */
    Map<String, Object> descriptor(String tag) {
        for (Object o : Json.arr(index().get("manifests"))) {
            Map<String, Object> d = Json.obj(o);
            if (tag.equals(Json.str(d, "annotations", REF_NAME))) {
                return d;
            }
        }
        throw new AssertionError("no entry with " + REF_NAME + "=" + tag + " in " + dir.resolve("index.json")
                + ": " + Json.write(index()));
    }

    String digestOf(String tag) {
        return Json.str(descriptor(tag), "digest");
    }

    Path blob(String digest) {
        int colon = digest.indexOf(':');
        return dir.resolve("blobs").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1));
    }

    byte[] blobBytes(String digest) {
        return read(blob(digest));
    }

    Map<String, Object> json(String digest) {
        return Json.obj(Json.parse(blobBytes(digest)));
    }

    /** The image manifest for tag (which must name a manifest, not an index). */
    Map<String, Object> manifest(String tag) {
        return json(digestOf(tag));
    }

    /** Layer descriptors (digest, size, mediaType) of a manifest. */
    static List<Map<String, Object>> layers(Map<String, Object> manifest) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : Json.arr(manifest.get("layers"))) {
            out.add(Json.obj(o));
        }
        return out;
    }

    static List<String> layerDigests(Map<String, Object> manifest) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> l : layers(manifest)) {
            out.add(Json.str(l, "digest"));
        }
        return out;
    }

    /** Every blob a manifest references: config first, then layers, as digest -> size. */
    static Map<String, Long> blobsOf(Map<String, Object> manifest) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put(Json.str(manifest, "config", "digest"), Json.num(manifest, "config", "size"));
        for (Map<String, Object> l : layers(manifest)) {
            out.put(Json.str(l, "digest"), Json.num(l, "size"));
        }
        return out;
    }

    /** Asserts each blob file hashes to its name and has the expected size. */
    void assertBlobsIntact(Map<String, Long> blobs) throws IOException {
        for (Map.Entry<String, Long> e : blobs.entrySet()) {
            Path f = blob(e.getKey());
            assertTrue(Files.exists(f), "blob " + e.getKey() + " missing from " + dir);
            assertEquals(e.getValue().longValue(), Files.size(f), "size of blob " + e.getKey() + " in " + dir);
            assertEquals(e.getKey(), E2E.digest(f), "sha256 of blob file " + f);
        }
    }

    /** Writes bytes as a blob and returns the digest. */
    String writeBlob(byte[] bytes) {
        String d = E2E.digest(bytes);
        try {
            Files.createDirectories(blob(d).getParent());
            Files.write(blob(d), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    /** Adds (or replaces) an entry in index.json naming a descriptor with a ref.name annotation. */
    void putRef(String tag, String mediaType, String digest, long size) {
        Map<String, Object> idx = index();
        List<Object> kept = new ArrayList<>();
        for (Object o : Json.arr(idx.get("manifests"))) {
            if (!tag.equals(Json.str(o, "annotations", REF_NAME))) {
                kept.add(o);
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        d.put("annotations", Map.of(REF_NAME, tag));
        kept.add(d);
        idx.put("manifests", kept);
        try {
            Files.writeString(dir.resolve("index.json"), Json.write(idx));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Digest of the file at {@code path} inside the (gzip) layer blob, or null if absent. */
    String fileDigestInLayer(String layerDigest, String path) throws IOException {
        Path f = blob(layerDigest);
        assertNotNull(f);
        try (InputStream in = Files.newInputStream(f)) {
            return E2E.tarFileDigests(in).get(path);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
