package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.gc.GcConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Garbage collection of unreferenced blobs on a real node, with a 2.5 s grace period; untagged
 * manifests are collected after 2.5 s (and the time machine keeps tagged-once ones 2.5 s too).
 */
class GcApiTest {
    // longer than a client takes from pushing its blobs to pushing the manifest, even on a loaded machine
    private static final long GRACE_MS = 2500;
    private static PrivateNode fixture;
    private static SingleNode node;
    private static Api api;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = PrivateNode.start("gc", new GcConfig(Duration.ofMillis(GRACE_MS), Duration.ZERO, 10_000, Duration.ofSeconds(3))
                        .withRetention(Duration.ofMillis(GRACE_MS), Duration.ofMillis(GRACE_MS)));
        node = fixture.node;
        api = fixture.api;
        dir = fixture.dir;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static Set<String> digests(JsonNode report) {
        Set<String> out = new HashSet<>();
        report.path("collected").forEach(c -> out.add(c.path("digest").asText()));
        return out;
    }

    private static void pastGrace() throws InterruptedException {
        Thread.sleep(GRACE_MS + 200);
    }

    @Test
    void anUnreferencedBlobIsCollectedOnlyAfterTheGracePeriod() throws Exception {
        String repo = "gc/orphan";
        byte[] data = Api.random(5 * 1024 * 1024);
        String d = api.pushBlob(repo, data);
        var chunkIds = node.uploads().blob(Digest.parse(d)).orElseThrow().chunks();
        assertTrue(!digests(api.gc(false)).contains(d), "not within the grace period");
        assertEquals(200, api.head("/v2/" + repo + "/blobs/" + d).statusCode());

        pastGrace();
        assertTrue(digests(api.gc(true)).contains(d), "the dry run lists it");
        assertEquals(200, api.head("/v2/" + repo + "/blobs/" + d).statusCode(), "a dry run deletes nothing");
        long bytesBefore = node.gc().usage().bytes();
        JsonNode report = api.gc(false);
        assertTrue(digests(report).contains(d));
        assertError(api.head("/v2/" + repo + "/blobs/" + d), 404, "BLOB_UNKNOWN");
        for (var c : chunkIds) assertEquals(-1, node.chunks().size(c.id()), "chunk " + c.id() + " is deleted");
        assertTrue(node.gc().usage().bytes() <= bytesBefore - data.length, "usage drops by the blob's size");

        // and it can be pushed again
        assertEquals(d, api.pushBlob(repo, data));
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + d).body());
    }

    @Test
    void referencedBlobsStayUntilTheirLastManifestIsDeleted() throws Exception {
        String a = "gc/shared-a";
        String b = "gc/shared-b";
        byte[] layer = Api.random(70_000);
        String layerDigest = api.pushBlob(a, layer);
        api.pushBlob(b, layer);
        byte[] ma = manifestWith(a, layerDigest, layer.length);
        byte[] mb = manifestWith(b, layerDigest, layer.length);
        pastGrace();
        assertTrue(!digests(api.gc(false)).contains(layerDigest), "referenced by two manifests");

        assertEquals(202, api.delete("/v2/" + a + "/manifests/" + Digest.sha256(ma)).statusCode());
        pastGrace();
        assertTrue(!digests(api.gc(false)).contains(layerDigest), "still referenced from " + b);
        assertEquals(200, api.get("/v2/" + b + "/blobs/" + layerDigest).statusCode());

        assertEquals(202, api.delete("/v2/" + b + "/manifests/" + Digest.sha256(mb)).statusCode());
        assertTrue(!digests(api.gc(false)).contains(layerDigest), "grace starts at the last manifest's deletion");
        pastGrace();
        assertTrue(digests(api.gc(false)).contains(layerDigest));
        assertError(api.head("/v2/" + b + "/blobs/" + layerDigest), 404, "BLOB_UNKNOWN");
    }

    /** Pushes a config and a manifest over the given layer (already pushed) under tag "t". */
    private static byte[] manifestWith(String repo, String layerDigest, long size) {
        byte[] config = ("{\"n\":\"" + repo + System.nanoTime() + "\"}").getBytes();
        var m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", api.pushBlob(repo, config), config.length));
        m.putArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", layerDigest, size));
        byte[] body = Api.bytes(m);
        HttpResponse<byte[]> r = api.putManifest(repo, "t", Api.OCI_MANIFEST, body);
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        return body;
    }

    @Test
    void cliDryRunListsAndRunCollects() throws Exception {
        String d = api.pushBlob("gc/cli", Api.random(500));
        pastGrace();
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        String registry = api.base.substring("http://".length());
        assertEquals(0, dev.strata.cli.CliAccess.gc(new String[] {"gc", "--dry-run", "--registry", registry},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)), err::toString);
        assertTrue(out.toString().contains(d) && out.toString().contains("would collect"), out::toString);
        assertEquals(200, api.head("/v2/gc/cli/blobs/" + d).statusCode());
        out.reset();
        assertEquals(0, dev.strata.cli.CliAccess.gc(new String[] {"gc", "--registry", registry},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)), err::toString);
        assertTrue(out.toString().contains("collected"), out::toString);
        assertEquals(404, api.head("/v2/gc/cli/blobs/" + d).statusCode());
    }

    @Test
    void idleUploadSessionsExpireWithTheirChunks() throws Exception {
        HttpResponse<byte[]> start = api.send("POST", "/v2/gc/idle/blobs/uploads/", null);
        String loc = start.headers().firstValue("Location").orElseThrow();
        byte[] part = Api.random(5000);
        assertEquals(202, api.send("PATCH", loc, part, "Content-Range", "0-4999").statusCode());
        String id = loc.substring(loc.lastIndexOf('/') + 1);
        var chunk = node.uploads().session(id).orElseThrow().chunks().get(0);
        HttpResponse<byte[]> fresh = api.send("POST", "/v2/gc/idle/blobs/uploads/", null);
        api.gc(false);
        assertEquals(204, api.get(loc).statusCode(), "not idle long enough yet");
        Thread.sleep(3200);
        // keep the second session alive
        assertEquals(202, api.send("PATCH", fresh.headers().firstValue("Location").orElseThrow(), Api.random(10)).statusCode());
        api.gc(false);
        assertError(api.get(loc), 404, "BLOB_UPLOAD_UNKNOWN");
        assertEquals(-1, node.chunks().size(chunk.id()), "the expired session's chunk is deleted");
        assertEquals(204, api.get(fresh.headers().firstValue("Location").orElseThrow()).statusCode(), "an active session stays");
    }

    @Test
    void aLinkRestartsTheGracePeriod() throws Exception {
        byte[] data = Api.random(1000);
        String d = api.pushBlob("gc/link-a", data);
        pastGrace();
        // a mount into another repository uses the blob: not collected right after
        HttpResponse<byte[]> mount = api.send("POST", "/v2/gc/link-b/blobs/uploads/?mount=" + d + "&from=gc/link-a", null);
        assertEquals(201, mount.statusCode());
        assertTrue(!digests(api.gc(false)).contains(d));
        assertEquals(200, api.head("/v2/gc/link-b/blobs/" + d).statusCode());
    }

    /**
     * The GC fence under {@code serve}: while a mount holds it (from its check of the blob to its
     * link), a pass that would collect the blob waits; once the link is in, the pass sees that use
     * and keeps the blob, which the mount's repository then serves.
     */
    @Test
    void aGcPassWaitsWhileAFencedSectionIsHeld() throws Exception {
        byte[] data = Api.random(30_000);
        Digest d = Digest.parse(api.pushBlob("gc/fence-src", data));
        pastGrace();
        var pass = new java.util.concurrent.CompletableFuture<List<dev.strata.core.spi.GarbageCollector.Collected>>();
        boolean[] passEndedWhileHeld = {false};
        boolean mounted = node.manifests().fenced(() -> {
            assertTrue(node.uploads().blob(d).isPresent(), "stored, and past the grace period");
            Thread gc = new Thread(() -> {
                try {
                    pass.complete(node.gc().collect(false));
                } catch (RuntimeException e) {
                    pass.completeExceptionally(e);
                }
            });
            gc.start();
            try {
                pass.get(3, java.util.concurrent.TimeUnit.SECONDS);
                passEndedWhileHeld[0] = true;
            } catch (java.util.concurrent.TimeoutException e) {
                // waiting for the fence, as it must
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return node.manifests().mountBlob("gc/fence-dst", "gc/fence-src", d);
        });
        assertTrue(!passEndedWhileHeld[0], "the GC pass ended while a fenced section was held");
        assertTrue(mounted, "the mount checked the blob before the pass could schedule its deletion");
        List<String> collected = pass.get(60, java.util.concurrent.TimeUnit.SECONDS).stream()
                .map(dev.strata.core.spi.GarbageCollector.Collected::digest).toList();
        assertTrue(!collected.contains(d.toString()), "the mount used the blob: the pass keeps it");
        assertEquals(200, api.head("/v2/gc/fence-dst/blobs/" + d).statusCode());
        assertArrayEquals(data, api.get("/v2/gc/fence-dst/blobs/" + d).body());
    }

    /** Pushes an untagged artifact whose subject is {@code subject}; returns its digest, or null when refused. */
    private static String pushReferrer(String repo, String subject, List<String> failures) {
        byte[] note = Api.random(200);
        byte[] empty = "{}".getBytes();
        var m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.put("artifactType", "application/vnd.example.signature");
        m.set("config", Api.descriptor("application/vnd.oci.empty.v1+json", api.pushBlob(repo, empty), 2));
        m.putArray("layers").add(Api.descriptor("application/octet-stream", api.pushBlob(repo, note), note.length));
        m.set("subject", Api.descriptor(Api.OCI_MANIFEST, subject, 100));
        byte[] body = Api.bytes(m);
        String d = Digest.sha256(body).toString();
        HttpResponse<byte[]> put = api.putManifest(repo, d, Api.OCI_MANIFEST, body);
        if (put.statusCode() != 201) {
            failures.add("referrer PUT " + put.statusCode() + " " + new String(put.body()));
            return null;
        }
        return d;
    }

    /** The blobs (config and layers) and child manifests of a manifest or index. */
    private static List<String> blobsOf(JsonNode man) {
        List<String> blobs = new ArrayList<>();
        if (man.has("config")) blobs.add(man.path("config").path("digest").asText());
        man.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        return blobs;
    }

    /**
     * Several clients push images that share layers, referrers (signatures) of them, and indexes
     * over them; they move tags (leaving untagged manifests for retention), delete manifests (whose
     * referrers go with them) and push deleted layers again, while GC passes run back to back. Two
     * more mount and push again (dedup) blobs that nothing references, so that GC takes them once
     * they are unused for the grace period: each 201 must still be readable (HEAD 200, GET
     * byte-identical) after a pass that began after it (checked within the grace period).
     * Afterwards every tag resolves; every blob, child and referrer of every tagged manifest is
     * pullable; nothing unreferenced outlives the grace period; and every projection replayed from
     * the log (usage included: a recount from scratch) equals the live one.
     */
    @Test
    void concurrentPushesDeletesAndGcNeverBreakAnAcceptedManifest() throws Exception {
        List<byte[]> shared = new ArrayList<>();
        for (int i = 0; i < 4; i++) shared.add(Api.random(20_000 + i));
        long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong ops = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong manifestsCollected = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong blobsCollected = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytesReclaimed = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            String repo = "gc/stress-" + c;
            Thread t = new Thread(() -> {
                java.util.Random rnd = new java.util.Random();
                int round = 0;
                while (System.nanoTime() < deadline) {
                    round++;
                    try {
                        byte[] layer = shared.get(rnd.nextInt(shared.size()));
                        String ld = api.pushBlob(repo, layer);
                        byte[] own = Api.random(3000);
                        String od = api.pushBlob(repo, own);
                        byte[] config = ("{\"r\":" + round + "}").getBytes();
                        String cd = api.pushBlob(repo, config);
                        var m = Api.JSON.createObjectNode();
                        m.put("schemaVersion", 2);
                        m.put("mediaType", Api.OCI_MANIFEST);
                        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", cd, config.length));
                        m.putArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", ld, layer.length))
                                .add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", od, own.length));
                        byte[] body = Api.bytes(m);
                        HttpResponse<byte[]> put = api.putManifest(repo, "v" + (round % 3), Api.OCI_MANIFEST, body);
                        ops.addAndGet(4);
                        if (put.statusCode() != 201) {
                            // blobs pushed a moment ago are linked, so GC must not take them: none is refused
                            refused.incrementAndGet();
                            failures.add("manifest PUT " + put.statusCode() + " " + new String(put.body()));
                            continue;
                        }
                        String md = Digest.sha256(body).toString();
                        if (round % 2 == 0) {
                            // a signature of it (untagged: held by its subject)
                            if (pushReferrer(repo, md, failures) != null) ops.addAndGet(3);
                        }
                        if (round % 3 == 0) {
                            // an index over it, under a tag that moves (the previous index becomes untagged)
                            var index = Api.JSON.createObjectNode();
                            index.put("schemaVersion", 2);
                            index.put("mediaType", Api.OCI_INDEX);
                            index.putArray("manifests").add(Api.descriptor(Api.OCI_MANIFEST, md, body.length));
                            HttpResponse<byte[]> ip = api.putManifest(repo, "multi", Api.OCI_INDEX, Api.bytes(index));
                            ops.incrementAndGet();
                            if (ip.statusCode() != 201) failures.add("index PUT " + ip.statusCode() + " " + new String(ip.body()));
                        }
                        if (round % 4 == 0 && round % 3 != 0) {
                            // deleting the manifest deletes its signature too (never a child of the live index:
                            // deleting that is the client's own doing, as in other registries)
                            api.delete("/v2/" + repo + "/manifests/" + md);
                            ops.incrementAndGet();
                        }
                    } catch (AssertionError | RuntimeException e) {
                        failures.add(repo + ": " + e);
                    }
                }
            });
            clients.add(t);
            t.start();
        }
        // mounts and dedup pushes of blobs nothing references (so GC takes them once unused for the
        // grace period): every 201 is a promise, checked after a pass that began after it
        java.util.concurrent.atomic.AtomicLong passesStarted = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong passesEnded = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong promisesChecked = new java.util.concurrent.atomic.AtomicLong();
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pool.add(Api.random(10_000 + i));
            api.pushBlob("gc/pool", pool.get(i));
        }
        for (int c = 0; c < 2; c++) {
            String repo = "gc/reuse-" + c;
            Thread t = new Thread(() -> {
                java.util.Random rnd = new java.util.Random();
                while (System.nanoTime() < deadline) {
                    try {
                        byte[] data = pool.get(rnd.nextInt(pool.size()));
                        String d = Digest.sha256(data).toString();
                        boolean mount = rnd.nextBoolean();
                        long sent = System.nanoTime();
                        HttpResponse<byte[]> r = mount
                                ? api.send("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + d + "&from=gc/pool", null)
                                : api.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, data, "Content-Type", "application/octet-stream");
                        ops.incrementAndGet();
                        if (r.statusCode() == 202) {
                            // collected meanwhile: not mountable; push it back into the pool instead
                            api.delete(Api.header(r, "Location"));
                            api.pushBlob("gc/pool", data);
                            continue;
                        }
                        if (r.statusCode() != 201) {
                            failures.add((mount ? "mount " : "dedup push ") + r.statusCode() + " " + new String(r.body()));
                            continue;
                        }
                        long pass = passesStarted.get();
                        while (passesEnded.get() <= pass && System.nanoTime() < deadline) Thread.sleep(20);
                        HttpResponse<byte[]> head = api.head("/v2/" + repo + "/blobs/" + d);
                        HttpResponse<byte[]> get = api.get("/v2/" + repo + "/blobs/" + d);
                        // within the grace period of the link: GC must not have taken it
                        if (System.nanoTime() - sent < Duration.ofMillis(GRACE_MS).toNanos()) {
                            promisesChecked.incrementAndGet();
                            if (head.statusCode() != 200 || !java.util.Arrays.equals(data, get.body())) {
                                failures.add((mount ? "mount " : "dedup push ") + "of " + d + " into " + repo + " answered 201, then HEAD "
                                        + head.statusCode() + ", GET " + get.statusCode());
                            }
                        }
                    } catch (AssertionError | RuntimeException e) {
                        failures.add(repo + ": " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            clients.add(t);
            t.start();
        }
        Thread collector = new Thread(() -> {
            while (System.nanoTime() < deadline) {
                try {
                    passesStarted.incrementAndGet();
                    List<dev.strata.core.spi.GarbageCollector.Collected> pass = node.gc().collect(false);
                    passesEnded.incrementAndGet();
                    for (var c : pass) {
                        if (c.isManifest()) {
                            manifestsCollected.incrementAndGet();
                        } else {
                            blobsCollected.incrementAndGet();
                            bytesReclaimed.addAndGet(c.size());
                        }
                    }
                    Thread.sleep(100);
                } catch (Exception e) {
                    failures.add("gc: " + e);
                }
            }
        });
        collector.start();
        for (Thread t : clients) t.join();
        collector.join();
        assertEquals(List.of(), failures);
        assertTrue(ops.get() > 20, "the stress did something: " + ops.get());
        assertTrue(manifestsCollected.get() > 0, "retention collected untagged manifests during the run");
        assertTrue(promisesChecked.get() > 0, "mounts and dedup pushes were checked within their grace period");

        // every tag resolves; every blob, child and referrer of every tagged manifest is pullable
        List<String> violations = new ArrayList<>();
        int checked = 0;
        for (int c = 0; c < 4; c++) {
            String repo = "gc/stress-" + c;
            for (JsonNode tag : Api.json(api.get("/v2/" + repo + "/tags/list")).path("tags")) {
                HttpResponse<byte[]> m = api.get("/v2/" + repo + "/manifests/" + tag.asText());
                if (m.statusCode() != 200) {
                    violations.add(repo + ":" + tag.asText() + " " + m.statusCode());
                    continue;
                }
                JsonNode man = Api.json(m);
                List<JsonNode> reachable = new ArrayList<>(List.of(man));
                for (JsonNode child : man.path("manifests")) {
                    HttpResponse<byte[]> cm = api.get("/v2/" + repo + "/manifests/" + child.path("digest").asText());
                    checked++;
                    if (cm.statusCode() != 200) violations.add(repo + ":" + tag.asText() + " child " + child.path("digest").asText());
                    else reachable.add(Api.json(cm));
                }
                String subject = Api.header(m, "Docker-Content-Digest");
                for (JsonNode ref : Api.json(api.get("/v2/" + repo + "/referrers/" + subject)).path("manifests")) {
                    HttpResponse<byte[]> rm = api.get("/v2/" + repo + "/manifests/" + ref.path("digest").asText());
                    checked++;
                    if (rm.statusCode() != 200) violations.add(repo + ":" + tag.asText() + " referrer " + ref.path("digest").asText());
                    else reachable.add(Api.json(rm));
                }
                for (JsonNode r : reachable) {
                    for (String b : blobsOf(r)) {
                        checked++;
                        if (api.get("/v2/" + repo + "/blobs/" + b).statusCode() != 200) violations.add(repo + ":" + tag.asText() + " blob " + b);
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "referenced blobs, children or referrers that are not pullable");
        assertTrue(checked > 0);
        System.out.printf("gc stress: %d operations by 6 clients in 25 s, %d manifests refused, %d untagged manifests and %d blobs"
                        + " collected (%d bytes reclaimed), %d mounts and dedup pushes checked after a pass, %d blobs/children/referrers"
                        + " checked, %d violations, usage now %s%n",
                ops.get(), refused.get(), manifestsCollected.get(), blobsCollected.get(), bytesReclaimed.get(), promisesChecked.get(),
                checked, violations.size(), node.gc().usage());

        // nothing unreferenced outlives the grace period: untagged manifests past their retention go,
        // then the blobs they released, once the grace has passed since
        pastGrace();
        node.gc().collect(false);
        pastGrace();
        node.gc().collect(false);
        assertEquals(List.of(), node.gc().collect(true), "nothing left to collect after full passes");

        // every projection, replayed from the log after all that, equals the live one
        for (String p : new String[] {"index", "uploads", "gc"}) {
            var out = new java.io.ByteArrayOutputStream();
            int rc = dev.strata.cli.CliAccess.replay(new String[] {"replay", "--projection", p, "--data", dir.toString(),
                    "--into", dir.resolve("replay-" + p + "-" + System.nanoTime()).toString()},
                    new java.io.PrintStream(out, true), new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
            assertEquals(0, rc, () -> p + ": " + out);
            System.out.println("gc stress replay " + p + ": " + out.toString().lines().findFirst().orElse(""));
        }
    }
}
