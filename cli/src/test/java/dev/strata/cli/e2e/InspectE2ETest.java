package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.Inspect;
import dev.strata.inspector.TarBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The merged filesystem the inspector computes equals what {@code umoci unpack} extracts from the
 * same image: layers that add, change and delete (whiteout) files and replace directories (opaque,
 * and a directory replaced by a file), built with umoci, pushed with skopeo as gzip, zstd and
 * uncompressed layers, and extended with buildah.
 */
@ExtendWith(ServerLogOnFailure.class)
class InspectE2ETest {
    static StrataProcess registry;
    static RegistryClient client;
    static Tools tools;
    static Path work;
    static OciLayout layout;
    static String repo;

    @BeforeAll
    static void setUp() throws IOException {
        StrataProcess.assumeLaunchable("the inspector API (Strata's own)");
        Tools.require("umoci", "skopeo", "buildah");
        tools = Tools.get();
        registry = StrataProcess.shared();
        client = new RegistryClient(registry);
        work = E2E.freshDir("inspect");
        repo = "e2e/inspect-" + E2E.token();
        layout = OciLayout.init(tools, work.resolve("layout"));
        layout.newImage(tools, "v1", "linux", "amd64");
        addLayer("v1", "ADD base", new TarBuilder()
                .dir("etc", 0755).dir("usr", 0755).dir("usr/bin", 0755).dir("var", 0755).dir("var/lib", 0755)
                .dir("var/lib/app", 0755).dir("opt", 0755).dir("opt/tree", 0755).dir("opt/tree/sub", 0700)
                .file("etc/os-release", "NAME=base\n").file("etc/passwd", "root:x:0:0::/root:/bin/sh\n").file("etc/hosts", "127.0.0.1 localhost\n")
                .entry("usr/bin/tool", '0', 04755, 1000, 1000, "", E2E.randomBytes(300_000))
                .symlink("usr/bin/t2", "tool").hardlink("usr/bin/tool-hard", "usr/bin/tool")
                .file("var/lib/app/a", "a").file("var/lib/app/b", "b").file("opt/tree/x", "x").file("opt/tree/sub/deep", "deep"));
        tools.umoci("config", "--image", layout.dir + ":v1", "--config.env", "A=1", "--history.created_by", "ENV A=1");
        addLayer("v1", "RUN change", new TarBuilder()
                .file("etc/os-release", 0600, "NAME=strata\nVERSION=2\n".getBytes(StandardCharsets.UTF_8))
                .whiteout("etc", "passwd")
                .dir("var/lib/app", 0750).opaque("var/lib/app").file("var/lib/app/c", "c")
                .whiteout("opt", "tree")
                .dir("srv", 0750).entry("srv/data", '0', 0640, 33, 33, "", E2E.randomBytes(5000)));
        addLayer("v1", "RUN replace", new TarBuilder()
                .file("opt/tree", "a file where a directory was\n")
                .whiteout("etc", "hosts")
                .symlink("etc/passwd", "/dev/null")
                .dir("empty", 0711));
        // skopeo 1.9 keeps the layers' compression, so the zstd and plain variants are written here
        recompress("v1", "zstd", "application/vnd.oci.image.layer.v1.tar+zstd");
        recompress("v1", "plain", "application/vnd.oci.image.layer.v1.tar");
        for (String tag : List.of("v1", "zstd")) {
            tools.skopeo("copy", "--dest-tls-verify=false", layout.ref(tag),
                    "docker://" + registry.hostPort() + "/" + repo + ":" + (tag.equals("v1") ? "gzip" : tag));
        }
        // skopeo compresses uncompressed layers on the way to a registry: push that variant over plain HTTP
        Map<String, Object> plain = layout.manifest("plain");
        for (String d : OciLayout.blobsOf(plain).keySet()) {
            HttpResponse<byte[]> r = client.send(java.net.http.HttpRequest.newBuilder(client.uri("/v2/" + repo + "/blobs/uploads/?digest=" + d))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(layout.blobBytes(d))));
            assertEquals(201, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> r = client.send(java.net.http.HttpRequest.newBuilder(client.uri("/v2/" + repo + "/manifests/plain"))
                .header("Content-Type", RegistryClient.OCI_MANIFEST)
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(layout.blobBytes(layout.digestOf("plain")))));
        assertEquals(201, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    }

    /** Tags {@code tag} re-encoded: every gzip layer of {@code from} as zstd or uncompressed. */
    private static void recompress(String from, String tag, String mediaType) throws IOException {
        Map<String, Object> m = layout.manifest(from);
        List<Object> layers = new ArrayList<>();
        for (Map<String, Object> l : OciLayout.layers(m)) {
            byte[] tar;
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(layout.blob(Json.str(l, "digest"))))) {
                tar = in.readAllBytes();
            }
            byte[] blob = mediaType.endsWith("zstd") ? TarBuilder.zstd(tar) : tar;
            Map<String, Object> d = new java.util.LinkedHashMap<>(l);
            d.put("mediaType", mediaType);
            d.put("digest", layout.writeBlob(blob));
            d.put("size", (long) blob.length);
            layers.add(d);
        }
        m.put("layers", layers);
        byte[] body = Json.write(m).getBytes(StandardCharsets.UTF_8);
        layout.putRef(tag, RegistryClient.OCI_MANIFEST, layout.writeBlob(body), body.length);
    }

    private static void addLayer(String tag, String createdBy, TarBuilder t) throws IOException {
        Path tar = Files.createTempFile(work, "layer-", ".tar");
        Files.write(tar, t.tar());
        tools.umoci("raw", "add-layer", "--image", layout.dir + ":" + tag, "--history.created_by", createdBy, tar.toString());
        Files.delete(tar);
    }

    @AfterAll
    static void cleanStorage() {
        if (tools != null) tools.resetContainerStorage();
    }

    /** path -> "type mode uid:gid size digest -> link" of an unpacked rootfs. */
    static Map<String, String> unpacked(Path rootfs) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(rootfs)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(rootfs)) continue;
                String path = "/" + rootfs.relativize(p).toString();
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
                int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                String type;
                long size = 0;
                String digest = "-";
                String link = "";
                if (Files.isSymbolicLink(p)) {
                    type = "symlink";
                    link = " -> " + Files.readSymbolicLink(p);
                    mode = 0; // symlink modes are not meaningful on Linux
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    type = "dir";
                } else {
                    type = "file";
                    size = Files.size(p);
                    digest = E2E.digest(p);
                }
                out.put(path, type + " " + Integer.toOctalString(mode) + " " + uid + ":" + gid + " " + size + " " + digest + link);
            }
        }
        return out;
    }

    /** The same description of the merged view, walked through the API's directory listings. */
    static Map<String, String> merged(String ref, String dir, Map<String, String> out) {
        Map<String, Object> listing = Json.obj(Json.parse(ok(api(ref, "fs", "path=" + enc(dir))).body()));
        for (Object o : Json.arr(listing.get("entries"))) {
            Map<String, Object> e = Json.obj(o);
            String type = Json.str(e, "type");
            String path = Json.str(e, "path");
            int mode = type.equals("symlink") ? 0 : (int) Json.num(e, "mode");
            String digest = e.get("digest") == null ? "-" : Json.str(e, "digest");
            String link = type.equals("symlink") ? " -> " + Json.str(e, "link") : "";
            out.put(path, (type.equals("hardlink") ? "file" : type) + " " + Integer.toOctalString(mode) + " " + Json.num(e, "uid") + ":"
                    + Json.num(e, "gid") + " " + Json.num(e, "size") + " " + digest + link);
            if (type.equals("dir")) merged(ref, path, out);
        }
        return out;
    }

    static String api(String ref, String what, String query) {
        return "/strata/v1/repositories/" + repo + "/manifests/" + ref + "/" + what + (query.isEmpty() ? "" : "?" + query);
    }

    static HttpResponse<byte[]> ok(String path) {
        HttpResponse<byte[]> r = client.get(path);
        assertEquals(200, r.statusCode(), () -> path + ": " + new String(r.body(), StandardCharsets.UTF_8));
        return r;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Path unpack(OciLayout l, String tag) {
        Path bundle = E2E.freshDir("bundle").resolve("b");
        tools.umoci("unpack", "--image", l.dir + ":" + tag, bundle.toString());
        return bundle.resolve("rootfs");
    }

    @Test
    void mergedViewEqualsUmociUnpackForGzipZstdAndPlainLayers() throws IOException {
        Map<String, String> expected = unpacked(unpack(layout, "v1"));
        assertTrue(expected.containsKey("/var/lib/app/c") && !expected.containsKey("/var/lib/app/a") && !expected.containsKey("/etc/hosts"),
                "umoci applied the whiteouts: " + expected.keySet());
        for (String tag : List.of("gzip", "zstd", "plain")) {
            assertEquals(expected, merged(tag, "/", new TreeMap<>()), "merged view of " + tag + " vs umoci unpack");
        }
        Map<String, Object> h = Json.obj(Json.parse(ok(api("zstd", "history", "")).body()));
        List<String> compression = new ArrayList<>();
        List<String> createdBy = new ArrayList<>();
        for (Object o : Json.arr(h.get("steps"))) {
            Map<String, Object> s = Json.obj(o);
            createdBy.add(Json.str(s, "createdBy"));
            if (s.get("compression") != null) compression.add(Json.str(s, "compression"));
        }
        assertEquals(List.of("zstd", "zstd", "zstd"), compression, "skopeo pushed zstd layers: " + h);
        assertTrue(createdBy.containsAll(List.of("ADD base", "ENV A=1", "RUN change", "RUN replace")), createdBy.toString());
        Map<String, Object> plain = Json.obj(Json.parse(ok(api("plain", "history", "")).body()));
        assertEquals("none", Json.str(Json.arr(plain.get("steps")).get(Json.arr(plain.get("steps")).size() - 1), "compression"));
    }

    @Test
    void fileBytesEqualTheUnpackedFile() throws IOException {
        Path rootfs = unpack(layout, "v1");
        for (String p : List.of("/usr/bin/tool", "/etc/os-release", "/srv/data", "/opt/tree", "/usr/bin/tool-hard")) {
            for (String tag : List.of("gzip", "zstd", "plain")) {
                assertArrayEquals(Files.readAllBytes(rootfs.resolve(p.substring(1))), ok(api(tag, "fs/file", "path=" + enc(p))).body(),
                        p + " of " + tag);
            }
        }
    }

    @Test
    void buildahLayersOnTopAreMergedAsUmociUnpacksThem() throws IOException {
        Path payload = E2E.randomFile(work.resolve("payload.bin"), 200_000);
        Path osRelease = work.resolve("os-release");
        Files.writeString(osRelease, "NAME=buildah\n");
        String ctr = PodmanE2ETest.lastLine(tools.buildah("from", "--name", "inspect-" + E2E.token(), layout.ref("v1")).stdout);
        tools.buildah("copy", ctr, osRelease.toString(), "/etc/os-release");
        tools.buildah("copy", ctr, payload.toString(), "/srv/new/payload.bin");
        String local = "localhost/e2e-inspect-" + E2E.token() + ":b";
        tools.buildah("commit", "--format", "oci", ctr, local);
        tools.buildah("rm", ctr);
        tools.buildah("push", "--tls-verify=false", local, "docker://" + registry.hostPort() + "/" + repo + ":buildah");
        OciLayout back = new OciLayout(work.resolve("back"));
        tools.skopeo("copy", "--src-tls-verify=false", "docker://" + registry.hostPort() + "/" + repo + ":buildah", back.ref("b"));
        Map<String, String> expected = unpacked(unpack(back, "b"));
        assertTrue(expected.get("/srv/new/payload.bin").contains(E2E.digest(payload)), expected.toString());
        assertEquals(expected, merged("buildah", "/", new TreeMap<>()), "merged view of the buildah image vs umoci unpack");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Inspect.run(new String[] {repo + ":buildah", "--registry", registry.hostPort(), "--diff", "gzip"},
                new PrintStream(out, true), new PrintStream(err, true)), err::toString);
        String diff = out.toString(StandardCharsets.UTF_8);
        assertTrue(diff.contains("M /etc/os-release") && diff.contains("A /srv/new/payload.bin"), diff);
        out.reset();
        assertEquals(0, Inspect.run(new String[] {repo + ":buildah", "--registry", registry.hostPort(), "--cat", "/etc/os-release"},
                new PrintStream(out, true), new PrintStream(err, true)), err::toString);
        assertEquals("NAME=buildah\n", out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, Inspect.run(new String[] {repo + ":buildah", "--registry", registry.hostPort(), "--ls", "/usr/bin"},
                new PrintStream(out, true), new PrintStream(err, true)), err::toString);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("-rwsr-xr-x  1000:1000"), out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, Inspect.run(new String[] {repo + ":buildah", "--registry", registry.hostPort()},
                new PrintStream(out, true), new PrintStream(err, true)), err::toString);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("RUN replace"), out.toString(StandardCharsets.UTF_8));
        assertEquals(1, Inspect.run(new String[] {repo + ":nosuchtag", "--registry", registry.hostPort()},
                new PrintStream(out, true), new PrintStream(err, true)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("MANIFEST_UNKNOWN"), err.toString(StandardCharsets.UTF_8));
        tools.buildah("rmi", local);
    }
}
