package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Durability across process restarts (Strata only): whatever the server acknowledged before a
 * kill -9 or a SIGTERM is served with the same bytes after a restart on the same data dir, and a
 * push interrupted by kill -9 can simply be re-run.
 */
@ExtendWith(ServerLogOnFailure.class)
class RestartE2ETest {
    static StrataProcess server;
    static Tools tools;
    static Path work;

    @BeforeAll
    static void start() {
        if (StrataProcess.externalRegistry() != null) {
            return; // each test skips in @BeforeEach, naming the property
        }
        Tools.require("skopeo", "umoci");
        tools = Tools.get();
        work = E2E.freshDir("restart");
        server = StrataProcess.start("restart");
    }

    @BeforeEach
    void onlyWithALaunchedServer() {
        StrataProcess.assumeLaunchable("RestartE2ETest (kill -9 / SIGTERM / restart)");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static RegistryClient client() {
        return new RegistryClient(server); // the port may change across restarts
    }

    /** An image pushed to the registry and what the push was acknowledged with. */
    static final class Pushed {
        final OciLayout layout;
        final String repo;
        final String tag;
        final String digest;
        final byte[] manifest;
        final Map<String, Long> blobs;

        Pushed(OciLayout layout, String repo, String tag, String digest, byte[] manifest, Map<String, Long> blobs) {
            this.layout = layout;
            this.repo = repo;
            this.tag = tag;
            this.digest = digest;
            this.manifest = manifest;
            this.blobs = blobs;
        }
    }

    static OciLayout buildImage(String name, long... layerSizes) {
        OciLayout layout = OciLayout.init(tools, work.resolve(name)).newImage(tools, "t", "linux", "amd64");
        for (int k = 0; k < layerSizes.length; k++) {
            layout.addLayer(tools, "t", Map.of("data/" + name + "-" + k + ".bin", layerSizes[k]));
        }
        return layout.gc(tools);
    }

    static Pushed push(OciLayout layout, String repo, String tag) throws Exception {
        Path digestFile = work.resolve(repo.replace('/', '_') + "-" + tag + ".digest");
        tools.skopeo("copy", "--dest-tls-verify=false", "--digestfile", digestFile.toString(),
                layout.ref("t"), "docker://" + server.hostPort() + "/" + repo + ":" + tag);
        String digest = Files.readString(digestFile).trim();
        assertEquals(layout.digestOf("t"), digest, "digest of the push");
        byte[] manifest = layout.blobBytes(digest);
        Pushed p = new Pushed(layout, repo, tag, digest, manifest, OciLayout.blobsOf(Json.obj(Json.parse(manifest))));
        assertServed(p);
        return p;
    }

    static void assertServed(Pushed p) {
        RegistryClient c = client();
        assertArrayEquals(p.manifest, c.manifestBytes(p.repo, p.tag, p.digest), "manifest " + p.repo + ":" + p.tag);
        assertArrayEquals(p.manifest, c.manifestBytes(p.repo, p.digest, p.digest), "manifest " + p.repo + "@" + p.digest);
        for (Map.Entry<String, Long> b : p.blobs.entrySet()) {
            c.assertBlob(p.repo, b.getKey(), b.getValue());
        }
    }

    static void assertPullsBackIntact(Pushed p, String name) throws Exception {
        OciLayout back = new OciLayout(work.resolve(name));
        tools.skopeo("copy", "--src-tls-verify=false",
                "docker://" + server.hostPort() + "/" + p.repo + ":" + p.tag, back.ref("t"));
        assertEquals(p.digest, back.digestOf("t"), "digest pulled back from " + p.repo + ":" + p.tag);
        back.assertBlobsIntact(p.blobs);
        for (String d : p.blobs.keySet()) {
            assertEquals(E2E.digest(p.layout.blob(d)), E2E.digest(back.blob(d)), "bytes of " + d);
        }
    }

    /** Pushes a raw blob through POST + PUT?digest= and returns its digest. */
    static String pushRawBlob(String repo, byte[] data) {
        RegistryClient c = client();
        HttpResponse<byte[]> post = c.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(202, post.statusCode(), () -> "POST upload: " + new String(post.body()));
        String location = post.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location on POST"));
        String digest = E2E.digest(data);
        String put = ResumeUploadE2ETest.withDigest(c.uri(location).toString(), digest);
        HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(c.uri(put))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
        assertEquals(201, r.statusCode(), () -> "PUT blob: " + new String(r.body()));
        return digest;
    }

    static Set<String> tags(String repo) {
        Object t = Json.parse(tools.skopeo("list-tags", "--tls-verify=false", "docker://" + server.hostPort() + "/" + repo).stdout);
        Set<String> out = new TreeSet<>();
        for (Object o : Json.arr(Json.at(t, "Tags"))) {
            out.add((String) o);
        }
        return out;
    }

    @Test
    void killDashNineKeepsEverythingAcknowledged() throws Exception {
        String repo = "e2e/kill9-" + E2E.token();
        OciLayout a = buildImage("kill9-a", 4L * 1024 * 1024, 3_000);
        OciLayout b = buildImage("kill9-b", 1024 * 1024 + 5, 77);
        Pushed t1 = push(a, repo, "t1");
        Pushed t2 = push(a, repo, "t2");
        Pushed other = push(b, repo + "-other", "x");
        // A tag moved to another image: after the crash it must still point at the last one.
        push(a, repo, "moving");
        Pushed moved = push(b, repo, "moving");
        byte[] raw = E2E.randomBytes(300_000);
        String rawDigest = pushRawBlob(repo, raw);

        server.kill9();
        assertFalse(server.isAlive());
        server.restart();

        assertServed(t1);
        assertServed(t2);
        assertServed(other);
        assertServed(moved);
        assertArrayEquals(raw, client().get("/v2/" + repo + "/blobs/" + rawDigest).body(), "raw blob after kill -9");
        assertEquals(new TreeSet<>(List.of("t1", "t2", "moving")), tags(repo), "tags after kill -9");
        assertPullsBackIntact(t1, "kill9-back");
    }

    @Test
    void sigtermThenRestartKeepsEverything() throws Exception {
        String repo = "e2e/sigterm-" + E2E.token();
        Pushed c = push(buildImage("sigterm-c", 2L * 1024 * 1024, 10), repo, "c1");
        server.stop();
        assertFalse(server.isAlive(), "server should have exited on SIGTERM");
        server.restart();
        assertServed(c);
        assertEquals(Set.of("c1"), tags(repo));
        assertPullsBackIntact(c, "sigterm-back");
    }

    @Test
    void killDuringPushThenRepushSucceeds() throws Exception {
        String repo = "e2e/midpush-" + E2E.token();
        // One small layer that completes first, then two big ones still streaming when we kill.
        OciLayout layout = buildImage("midpush", 512 * 1024, 96L * 1024 * 1024, 160L * 1024 * 1024 + 9);
        Map<String, Object> manifest = layout.manifest("t");
        Map<String, Long> blobs = OciLayout.blobsOf(manifest);
        String dest = "docker://" + server.hostPort() + "/" + repo + ":mid";
        List<String> cmd = List.of("skopeo", "copy", "--dest-tls-verify=false", layout.ref("t"), dest);

        Tools.Background push = tools.start(cmd);
        RegistryClient c = client();
        Set<String> acked = new LinkedHashSet<>();
        boolean manifestAcked = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (acked.isEmpty() && System.nanoTime() < deadline) {
            for (String d : blobs.keySet()) {
                if (c.headBlob(repo, d) == 200) {
                    acked.add(d);
                }
            }
            if (!push.process.isAlive()) {
                manifestAcked = push.process.exitValue() == 0;
                break;
            }
            Thread.sleep(5);
        }
        server.kill9();
        Tools.Result interrupted = push.await(Duration.ofSeconds(120));
        manifestAcked |= interrupted.exitCode == 0;
        assertTrue(!acked.isEmpty() || manifestAcked,
                "no blob was acknowledged within 120 s of starting the push: " + interrupted.describe());
        List<String> notAcked = new ArrayList<>(blobs.keySet());
        notAcked.removeAll(acked);
        System.out.println("[RestartE2ETest] killed mid-push with acknowledged blobs " + acked
                + ", still pending " + notAcked + ", skopeo exit " + interrupted.exitCode);

        server.restart();
        c = client();
        for (String d : acked) {
            c.assertBlob(repo, d, blobs.get(d));
        }
        if (manifestAcked) {
            c.manifestBytes(repo, "mid", layout.digestOf("t"));
        }

        // A plain re-run of the same push succeeds and the image is intact.
        tools.run(Tools.DEFAULT_TIMEOUT, cmd);
        Pushed p = new Pushed(layout, repo, "mid", layout.digestOf("t"), layout.blobBytes(layout.digestOf("t")), blobs);
        assertServed(p);
        assertPullsBackIntact(p, "midpush-back");
    }
}
