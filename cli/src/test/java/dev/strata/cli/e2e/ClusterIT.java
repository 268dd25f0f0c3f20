package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The multi-process cluster of {@code deploy/local/cluster.sh} (Kafka in its own JVM, 3 storage
 * nodes, 2 upload-services, 2 manifest-services, a gc-service, 2 gateways, HAProxy round-robin),
 * built by {@code package} (failsafe) and driven by real clients and raw HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static Path dir;
    static int port;
    static Map<String, String> env = new HashMap<>();
    static RegistryClient lb;
    static RegistryClient gatewayA;
    static RegistryClient gatewayB;

    static String cluster(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("deploy/local/cluster.sh").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--dir", dir.toString()));
        Path out = Files.createTempFile(dir.getParent(), "cluster-", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(6, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("cluster.sh " + String.join(" ", args) + " did not finish:\n" + Files.readString(out));
        }
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), () -> "cluster.sh " + String.join(" ", args) + ":\n" + text + logs());
        return text;
    }

    static String logs() {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir.resolve("logs"))) {
            for (Path f : files.sorted().toList()) b.append("\n==== ").append(f.getFileName()).append("\n").append(E2E.tail(f, 3000));
        } catch (IOException e) {
            b.append(e);
        }
        return b.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Files.createDirectories(E2E.targetDir().resolve("e2e")), "cluster-").resolve("c");
        port = StrataProcess.freePort();
        // if this JVM dies before @AfterAll, the cluster's processes must not outlive it
        Path stopDir = dir;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new ProcessBuilder(ROOT.resolve("deploy/local/cluster.sh").toString(), "stop", "--dir", stopDir.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // best effort at exit
            }
        }, "cluster-stop"));
        String out = cluster("start", "--port", Integer.toString(port));
        assertTrue(out.contains("strata cluster ready"), out);
        for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
        }
        lb = new RegistryClient("http://127.0.0.1:" + port);
        String[] gws = env.get("GATEWAY_PORTS").split(" ");
        gatewayA = new RegistryClient("http://127.0.0.1:" + gws[0]);
        gatewayB = new RegistryClient("http://127.0.0.1:" + gws[1]);
    }

    @AfterAll
    static void stop() throws Exception {
        if (dir != null) cluster("stop");
    }

    @Test
    @Order(1)
    void skopeoPushesAndPullsThroughHaproxyByteIdentical() throws Exception {
        Tools.require("skopeo", "umoci");
        Tools tools = Tools.get();
        Path work = E2E.freshDir("cluster-skopeo");
        OciLayout layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "v1", "linux", "amd64");
        long[] sizes = {9L * 1024 * 1024 + 5, 1, 300 * 1024};
        for (int k = 0; k < sizes.length; k++) layout.addLayer(tools, "v1", Map.of("data/f" + k + ".bin", sizes[k]));
        layout.gc(tools);
        String digest = layout.digestOf("v1");
        String ref = "docker://127.0.0.1:" + port + "/cluster/skopeo-" + E2E.token() + ":v1";
        tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("v1"), ref);
        OciLayout back = new OciLayout(work.resolve("pulled"));
        tools.skopeo("copy", "--src-tls-verify=false", ref, back.ref("v1"));
        assertEquals(digest, back.digestOf("v1"), "manifest digest after the round trip through two gateways");
        back.assertBlobsIntact(OciLayout.blobsOf(layout.manifest("v1")));
        for (String d : OciLayout.blobsOf(layout.manifest("v1")).keySet()) {
            assertEquals(E2E.digest(layout.blob(d)), E2E.digest(back.blob(d)), "bytes of blob " + d);
        }
    }

    @Test
    @Order(1)
    void podmanPushesAndPullsBackThroughHaproxy() throws Exception {
        Tools.require("podman", "umoci", "runc");
        Tools tools = Tools.get();
        Path work = E2E.freshDir("cluster-podman");
        OciLayout layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "p1", "linux", "amd64");
        Map<String, String> files = layout.addLayer(tools, "p1", Map.of("data/big.bin", 6L * 1024 * 1024 + 3, "data/tiny.bin", 7L));
        layout.gc(tools);
        String imageId = PodmanE2ETest.lastLine(tools.podman("pull", layout.ref("p1")).stdout);
        String remote = "127.0.0.1:" + port + "/cluster/podman-" + E2E.token() + ":p1";
        Path digestFile = work.resolve("push.digest");
        try {
            tools.podman("push", "--tls-verify=false", "--digestfile", digestFile.toString(), imageId, "docker://" + remote);
            String pushed = Files.readString(digestFile).trim();
            tools.podman("rmi", "--force", imageId);
            assertEquals(imageId, PodmanE2ETest.lastLine(tools.podman("pull", "--tls-verify=false", remote).stdout), "image ID after pull");
            Object inspect = Json.arr(Json.parse(tools.podman("image", "inspect", remote).stdout)).get(0);
            assertEquals(pushed, Json.str(inspect, "Digest"), "manifest digest after pull");
            OciLayout saved = new OciLayout(work.resolve("saved"));
            tools.podman("save", "--format", "oci-dir", "-o", saved.dir.toString(), remote);
            Map<String, String> found = new java.util.LinkedHashMap<>();
            for (String layer : OciLayout.layerDigests(saved.json(Json.str(saved.index(), "manifests", 0, "digest")))) {
                try (var in = Files.newInputStream(saved.blob(layer))) {
                    found.putAll(E2E.tarFileDigests(in));
                }
            }
            for (Map.Entry<String, String> f : files.entrySet()) assertEquals(f.getValue(), found.get(f.getKey()), "bytes of " + f.getKey());
        } finally {
            tools.resetContainerStorage();
        }
    }

    @Test
    @Order(1)
    void buildahCommitsAndPushesThroughHaproxyAndSkopeoPullsItBack() throws Exception {
        Tools.require("buildah", "skopeo");
        Tools tools = Tools.get();
        Path work = E2E.freshDir("cluster-buildah");
        String token = E2E.token();
        Path payload = E2E.randomFile(work.resolve("rnd.bin"), 5L * 1024 * 1024 + 11);
        String local = "localhost/cluster-buildah-" + token + ":b1";
        String remote = "docker://127.0.0.1:" + port + "/cluster/buildah-" + token + ":b1";
        try {
            String ctr = PodmanE2ETest.lastLine(tools.buildah("from", "--name", "cl-" + token, "scratch").stdout);
            tools.buildah("copy", ctr, payload.toString(), "/payload/rnd.bin");
            tools.buildah("config", "--os", "linux", "--arch", "amd64", ctr);
            tools.buildah("commit", "--format", "oci", ctr, local);
            tools.buildah("rm", ctr);
            Path digestFile = work.resolve("push.digest");
            tools.buildah("push", "--tls-verify=false", "--digestfile", digestFile.toString(), local, remote);
            String pushed = Files.readString(digestFile).trim();
            OciLayout back = new OciLayout(work.resolve("back"));
            tools.skopeo("copy", "--src-tls-verify=false", remote, back.ref("b1"));
            assertEquals(pushed, back.digestOf("b1"), "manifest digest pulled back");
            Map<String, String> found = new java.util.LinkedHashMap<>();
            for (String layer : OciLayout.layerDigests(back.manifest("b1"))) {
                try (var in = Files.newInputStream(back.blob(layer))) {
                    found.putAll(E2E.tarFileDigests(in));
                }
            }
            assertEquals(E2E.digest(payload), found.get("payload/rnd.bin"), "payload bytes in the pulled layer");
        } finally {
            tools.resetContainerStorage();
        }
    }

    @Test
    @Order(2)
    void concurrentPushesOfOneTagOnBothGatewaysResolveToOneWinnerInLogOrder() throws Exception {
        String repo = "cluster/tag-race-" + E2E.token();
        byte[] config = E2E.randomBytes(120);
        byte[] layer = E2E.randomBytes(3000);
        gatewayA.pushImage(repo, "base", config, layer);
        for (int round = 0; round < 10; round++) {
            List<byte[]> bodies = new ArrayList<>();
            List<CompletableFuture<Integer>> puts = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                byte[] body = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + E2E.digest(config) + "\",\"size\":" + config.length
                        + "},\"layers\":[],\"annotations\":{\"k\":\"" + round + "-" + k + "\"}}").getBytes(StandardCharsets.UTF_8);
                bodies.add(body);
                RegistryClient gw = k % 2 == 0 ? gatewayA : gatewayB;
                puts.add(CompletableFuture.supplyAsync(() -> gw.send(HttpRequest.newBuilder(gw.uri("/v2/" + repo + "/manifests/race"))
                        .header("Content-Type", RegistryClient.OCI_MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(body))).statusCode()));
            }
            for (CompletableFuture<Integer> f : puts) assertEquals(201, f.get(2, TimeUnit.MINUTES));
            // both gateways name the same winner: the last tag change in the log, as the history shows
            String onA = E2E.digest(gatewayA.getManifest(repo, "race").body());
            String onB = E2E.digest(gatewayB.getManifest(repo, "race").body());
            assertEquals(onA, onB, "round " + round + ": both gateways agree on the tag");
            Object history = Json.parse(gatewayB.get("/strata/v1/repositories/" + repo + "/tags/race/history").body());
            List<Object> changes = Json.arr(Json.at(history, "history"));
            assertEquals(onA, Json.str(changes.get(changes.size() - 1), "digest"), "the winner is the last change in log order");
            assertTrue(bodies.stream().anyMatch(b -> E2E.digest(b).equals(onA)), "the winner is one of the pushes");
        }
    }

    @Test
    @Order(2)
    void aThirdGatewayProcessWithTokenAuthAndTlsServesTheSameRegistry() throws Exception {
        Tools.require("skopeo");
        Tools tools = Tools.get();
        Path work = E2E.freshDir("cluster-tls").toAbsolutePath();
        Path pki = work.resolve("pki");
        dev.strata.gateway.auth.DevCertificates.generate(pki, List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        Path certDir = Files.createDirectories(work.resolve("client-certs"));
        Files.copy(pki.resolve(dev.strata.gateway.auth.DevCertificates.CA_CERT), certDir.resolve("ca.crt"));
        Files.writeString(work.resolve("auth.yaml"), AuthTlsE2ETest.AUTH.replace("e2e/**", "cluster/**"));
        dev.strata.gateway.auth.Users.set(work.resolve("users.txt"), "alice", "alice-secret-1", false);
        dev.strata.gateway.auth.Users.set(work.resolve("users.txt"), "bob", "bob-secret-1", false);
        String[] s = env.get("STORAGE_PORTS").split(" ");
        String[] u = env.get("UPLOAD_SERVICE_PORTS").split(" ");
        String[] m = env.get("MANIFEST_SERVICE_PORTS").split(" ");
        int tlsPort = StrataProcess.freePort();
        Path config = work.resolve("gateway-tls.yaml");
        Files.writeString(config, "listen: 127.0.0.1:" + tlsPort + "\n"
                + "storage:\n  nodes: {s1: \"http://127.0.0.1:" + s[0] + "\", s2: \"http://127.0.0.1:" + s[1] + "\", s3: \"http://127.0.0.1:" + s[2] + "\"}\n"
                + "uploadServices: [http://127.0.0.1:" + u[0] + ", http://127.0.0.1:" + u[1] + "]\n"
                + "manifestServices: [http://127.0.0.1:" + m[0] + ", http://127.0.0.1:" + m[1] + "]\n"
                + "auth: auth.yaml\ntlsCert: pki/" + dev.strata.gateway.auth.DevCertificates.SERVER_CERT
                + "\ntlsKey: pki/" + dev.strata.gateway.auth.DevCertificates.SERVER_KEY + "\n");
        Path log = work.resolve("gateway-tls.log");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/strata").toString(), "gateway", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_OPTS", "-Xmx200m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        Process gw = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline && gw.isAlive() && !Files.readString(log).contains("strata gateway ready")) Thread.sleep(200);
            String out = Files.readString(log);
            assertTrue(out.contains("strata gateway ready: serving the OCI Distribution API on https://"), out);
            String host = "127.0.0.1:" + tlsPort;
            Path alice = work.resolve("alice-auth.json");
            Files.writeString(alice, "{}\n");
            Tools.Result login = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "login", "--authfile", alice.toString(),
                    "--tls-verify=true", "--cert-dir", certDir.toString(), "-u", "alice", "-p", "alice-secret-1", host));
            assertEquals(0, login.exitCode, login.describe());
            OciLayout layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "v1", "linux", "amd64");
            layout.addLayer(tools, "v1", Map.of("data/a.bin", 400_000L));
            layout.gc(tools);
            String repo = "cluster/tls-" + E2E.token();
            tools.skopeo("copy", "--authfile", alice.toString(), "--dest-tls-verify=true", "--dest-cert-dir", certDir.toString(),
                    layout.ref("v1"), "docker://" + host + "/" + repo + ":v1");
            // the same registry: the plain gateways behind HAProxy serve what the TLS gateway accepted
            lb.manifestBytes(repo, "v1", layout.digestOf("v1"));
            Path bob = work.resolve("bob-auth.json");
            Files.writeString(bob, "{}\n");
            assertEquals(0, tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "login", "--authfile", bob.toString(),
                    "--tls-verify=true", "--cert-dir", certDir.toString(), "-u", "bob", "-p", "bob-secret-1", host)).exitCode);
            Tools.Result denied = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "copy", "--authfile", bob.toString(),
                    "--dest-tls-verify=true", "--dest-cert-dir", certDir.toString(), layout.ref("v1"), "docker://" + host + "/" + repo + ":bob"));
            assertTrue(denied.exitCode != 0 && (denied.stderr + denied.stdout).toLowerCase().matches("(?s).*(denied|unauthorized).*"), denied.describe());
            OciLayout back = new OciLayout(work.resolve("back"));
            tools.skopeo("copy", "--authfile", bob.toString(), "--src-tls-verify=true", "--src-cert-dir", certDir.toString(),
                    "docker://" + host + "/" + repo + ":v1", back.ref("v1"));
            assertEquals(layout.digestOf("v1"), back.digestOf("v1"));
        } finally {
            gw.destroy();
            if (!gw.waitFor(30, TimeUnit.SECONDS)) gw.destroyForcibly();
        }
    }

    @Test
    @Order(2)
    void manifestPutOnOneGatewayIsReadOnTheOtherAThousandTimes() {
        String repo = "cluster/raw-" + E2E.token();
        byte[] config = E2E.randomBytes(200);
        byte[] layer = E2E.randomBytes(5000);
        gatewayA.pushImage(repo, "base", config, layer);
        int misses = 0;
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                    + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + E2E.digest(config) + "\",\"size\":" + config.length
                    + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + E2E.digest(layer)
                    + "\",\"size\":" + layer.length + "}],\"annotations\":{\"n\":\"" + i + "\"}}";
            byte[] body = manifest.getBytes(StandardCharsets.UTF_8);
            RegistryClient put = i % 2 == 0 ? gatewayA : gatewayB;
            RegistryClient get = i % 2 == 0 ? gatewayB : gatewayA;
            HttpResponse<byte[]> r = put.send(HttpRequest.newBuilder(put.uri("/v2/" + repo + "/manifests/t"))
                    .header("Content-Type", RegistryClient.OCI_MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertEquals(201, r.statusCode(), () -> "PUT: " + new String(r.body(), StandardCharsets.UTF_8));
            HttpResponse<byte[]> g = get.getManifest(repo, "t");
            if (g.statusCode() != 200 || !E2E.digest(body).equals(E2E.digest(g.body()))) {
                misses++;
                if (missed.size() < 5) missed.add(i + ": " + g.statusCode());
            }
        }
        assertEquals(0, misses, "reads on the other gateway that missed the write just acknowledged: " + missed);
    }

    @Test
    @Order(3)
    void twoConcurrentPatchesToOneUploadOnDifferentGatewaysOneWinsOne416() throws Exception {
        String repo = "cluster/race-" + E2E.token();
        for (int round = 0; round < 5; round++) {
            HttpResponse<byte[]> post = gatewayA.send(HttpRequest.newBuilder(gatewayA.uri("/v2/" + repo + "/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertEquals(202, post.statusCode());
            String url = ResumeUploadE2ETest.location(post, gatewayA);
            byte[] a = E2E.randomBytes(100_000);
            byte[] b = E2E.randomBytes(100_000);
            CompletableFuture<HttpResponse<byte[]>> fa = CompletableFuture.supplyAsync(() -> ResumeUploadE2ETest.patch(gatewayA, url, a, 0, a.length));
            CompletableFuture<HttpResponse<byte[]>> fb = CompletableFuture.supplyAsync(() ->
                    ResumeUploadE2ETest.patch(gatewayB, ResumeUploadE2ETest.rebase(url, gatewayB.baseUrl()), b, 0, b.length));
            List<Integer> codes = new ArrayList<>(List.of(fa.get(2, TimeUnit.MINUTES).statusCode(), fb.get(2, TimeUnit.MINUTES).statusCode()));
            codes.sort(null);
            assertEquals(List.of(202, 416), codes, "round " + round + ": one PATCH wins, the other gets 416");
            // the session holds exactly the winner's bytes
            byte[] winner = fa.get().statusCode() == 202 ? a : b;
            HttpResponse<byte[]> put = gatewayB.send(HttpRequest.newBuilder(URI.create(ResumeUploadE2ETest.withDigest(
                    ResumeUploadE2ETest.rebase(url, gatewayB.baseUrl()), E2E.digest(winner)))).PUT(HttpRequest.BodyPublishers.noBody()));
            assertEquals(201, put.statusCode(), () -> "PUT winner's digest: " + new String(put.body(), StandardCharsets.UTF_8));
            lb.assertBlobBytes(repo, winner);
        }
    }

    @Test
    @Order(4)
    void killNineAGatewayMidUploadAndResumeOnTheOther() throws Exception {
        String repo = "cluster/resume-" + E2E.token();
        byte[] data = E2E.randomBytes(12 * 1024 * 1024 + 333);
        HttpResponse<byte[]> post = gatewayA.send(HttpRequest.newBuilder(gatewayA.uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(202, post.statusCode());
        String url = ResumeUploadE2ETest.location(post, gatewayA);
        int cut = 5 * 1024 * 1024 + 7;
        HttpResponse<byte[]> first = ResumeUploadE2ETest.patch(gatewayA, url, data, 0, cut);
        assertEquals(202, first.statusCode(), () -> new String(first.body(), StandardCharsets.UTF_8));
        // the rest is on its way to gateway A when it dies
        CompletableFuture<Integer> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return ResumeUploadE2ETest.patch(gatewayA, url, data, cut, data.length).statusCode();
            } catch (RuntimeException e) {
                return -1;
            }
        });
        Thread.sleep(50);
        cluster("kill", "gateway-1");
        inFlight.get(2, TimeUnit.MINUTES);
        String onB = ResumeUploadE2ETest.rebase(url, gatewayB.baseUrl());
        HttpResponse<byte[]> status = gatewayB.get(onB);
        assertEquals(204, status.statusCode(), () -> "upload status on the other gateway: " + new String(status.body(), StandardCharsets.UTF_8));
        String range = status.headers().firstValue("Range").orElseThrow();
        long have = Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
        assertTrue(have == cut || have == data.length, "offset is a chunk boundary the client sent: " + range);
        HttpResponse<byte[]> put;
        if (have < data.length) {
            HttpResponse<byte[]> rest = ResumeUploadE2ETest.patch(gatewayB, onB, data, (int) have, data.length);
            assertEquals(202, rest.statusCode(), () -> new String(rest.body(), StandardCharsets.UTF_8));
        }
        put = gatewayB.send(HttpRequest.newBuilder(URI.create(ResumeUploadE2ETest.withDigest(onB, E2E.digest(data))))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        HttpResponse<byte[]> done = put;
        assertEquals(201, done.statusCode(), () -> "complete on the other gateway: " + new String(done.body(), StandardCharsets.UTF_8));
        lb.assertBlobBytes(repo, data);
        cluster("restart", "gateway-1");
        assertEquals(200, gatewayA.get("/v2/").statusCode(), "gateway-1 serves again after restart");
    }

    @Test
    @Order(5)
    void aDependencyDownGives503WithTheSpecErrorBodyNotAHang() throws Exception {
        cluster("kill", "manifest-service-1");
        cluster("kill", "manifest-service-2");
        try {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = lb.getManifest("cluster/any", "latest");
            assertEquals(503, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
            assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"code\":\"UNAVAILABLE\""), "spec error body");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(120), "bounded by the client deadline");
        } finally {
            cluster("restart", "manifest-service-1");
            cluster("restart", "manifest-service-2");
        }
        byte[] config = E2E.randomBytes(100);
        lb.pushImage("cluster/after-" + E2E.token(), "v1", config, E2E.randomBytes(1000));
    }

    /** One acknowledged push: what must pull back byte-identical. */
    record Pushed(String repo, String tag, byte[] manifest, byte[] config, byte[] layer) {}

    @Test
    @Order(6)
    void faultLoopKillsEachServiceTypeAndRestartsKafkaWithoutLosingAnAcknowledgedPush() throws Exception {
        List<Pushed> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger ops = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger hangs = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger wrongPulls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        // a client whose every request is bounded: a request that takes longer is a hang
        RegistryClient c = new RegistryClient("http://127.0.0.1:" + port);
        Duration bound = Duration.ofSeconds(90);
        Runnable worker = () -> {
            java.util.Random rnd = new java.util.Random();
            while (running.get()) {
                int n = ops.incrementAndGet();
                try {
                    if (acknowledged.isEmpty() || rnd.nextInt(3) != 0) {
                        String repo = "fault/r" + rnd.nextInt(4);
                        String tag = "t" + n;
                        byte[] config = E2E.randomBytes(150);
                        byte[] layer = E2E.randomBytes(20_000 + rnd.nextInt(200_000));
                        byte[] manifest = push(c, bound, repo, tag, config, layer);
                        if (manifest == null) failed.incrementAndGet();
                        else acknowledged.add(new Pushed(repo, tag, manifest, config, layer));
                    } else {
                        Pushed p = acknowledged.get(rnd.nextInt(acknowledged.size()));
                        HttpResponse<byte[]> r = c.http.send(HttpRequest.newBuilder(c.uri("/v2/" + p.repo() + "/manifests/" + p.tag()))
                                .header("Accept", RegistryClient.ACCEPT_ALL).timeout(bound).build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) {
                            failed.incrementAndGet();
                            failures.merge("pull " + r.statusCode(), 1, Integer::sum);
                        } else if (!java.util.Arrays.equals(p.manifest(), r.body())) {
                            wrongPulls.incrementAndGet();
                        }
                    }
                } catch (java.net.http.HttpTimeoutException e) {
                    hangs.incrementAndGet();
                } catch (IOException e) {
                    failed.incrementAndGet(); // the connection broke: an error, not a hang
                    failures.merge("io " + e.getClass().getSimpleName(), 1, Integer::sum);
                } catch (InterruptedException e) {
                    return;
                }
            }
        };
        Thread[] workers = {new Thread(worker, "fault-loop-1"), new Thread(worker, "fault-loop-2")};
        for (Thread t : workers) t.start();
        List<String> victims = List.of("gateway-2", "upload-service-2", "manifest-service-1", "storage-2", "gc-service");
        int kills = 0;
        try {
            for (String v : victims) {
                Thread.sleep(3000);
                cluster("kill", v);
                kills++;
                Thread.sleep(2000);
                cluster("restart", v);
            }
            Thread.sleep(2000);
            cluster("restart", "kafka");
            Thread.sleep(5000);
        } finally {
            running.set(false);
            for (Thread t : workers) t.join(TimeUnit.MINUTES.toMillis(4));
        }
        // afterwards: every acknowledged push pulls back byte-identical, with no manual repair
        int lost = 0;
        List<String> lostWhat = new ArrayList<>();
        for (Pushed p : acknowledged) {
            HttpResponse<byte[]> m = awaitOk(c, "/v2/" + p.repo() + "/manifests/" + p.tag());
            HttpResponse<byte[]> l = awaitOk(c, "/v2/" + p.repo() + "/blobs/" + E2E.digest(p.layer()));
            HttpResponse<byte[]> cf = awaitOk(c, "/v2/" + p.repo() + "/blobs/" + E2E.digest(p.config()));
            if (!java.util.Arrays.equals(p.manifest(), m.body()) || !java.util.Arrays.equals(p.layer(), l.body())
                    || !java.util.Arrays.equals(p.config(), cf.body())) {
                lost++;
                if (lostWhat.size() < 5) lostWhat.add(p.repo() + ":" + p.tag() + " " + m.statusCode() + "/" + l.statusCode() + "/" + cf.statusCode());
            }
        }
        String figures = "fault loop: operations=" + ops.get() + " acknowledgedPushes=" + acknowledged.size() + " kills=" + kills
                + " kafkaRestarts=1 failedRequests=" + failed.get() + " hangs=" + hangs.get() + " wrongPulls=" + wrongPulls.get()
                + " lostWrites=" + lost + " failures=" + failures;
        System.out.println(figures);
        Files.writeString(E2E.targetDir().resolve("cluster-fault-loop.txt"), figures + "\n");
        assertEquals(0, hangs.get(), "requests that hung instead of failing: " + figures);
        assertEquals(0, wrongPulls.get(), "pulls that returned other bytes: " + figures);
        assertEquals(0, lost, () -> "acknowledged pushes lost: " + lostWhat + " " + figures + logs());
        assertTrue(acknowledged.size() >= 10, "the loop made progress: " + figures);
    }

    /**
     * Issue 22, "never hang": the broker killed, every process's /readyz (and HAProxy's) answers 503
     * with a readable reason within 2 s; a push answers 503 UNAVAILABLE within the log bound
     * (kafka.timeout, 5 s); the reads the projections answer keep working (manifests, tags, catalog),
     * blob lookups answer 503 (they are the GC fence's barrier); the service logs hold at most two
     * warnings each over 10 s; the broker back, everything turns ready and a push and pull succeed
     * without restarting a service.
     */
    @Test
    @Order(7)
    void kafkaKilledGivesFastHonestAnswersQuietLogsAndRecoversWithoutRestarts() throws Exception {
        awaitOk(lb, "/v2/"); // HAProxy has seen a gateway up (when this runs first)
        String repo = "kafkadown/app-" + E2E.token();
        byte[] config = E2E.randomBytes(120);
        byte[] layer = E2E.randomBytes(5000);
        byte[] manifest = lb.pushImage(repo, "v1", config, layer);
        Map<String, String> readyz = new java.util.LinkedHashMap<>();
        String[][] named = {{"upload-service-1", "upload-service-2"}, {"manifest-service-1", "manifest-service-2"}, {"gateway-1", "gateway-2"}};
        String[][] ports = {env.get("UPLOAD_SERVICE_PORTS").split(" "), env.get("MANIFEST_SERVICE_PORTS").split(" "),
                env.get("GATEWAY_ADMIN_PORTS").split(" ")};
        for (int k = 0; k < named.length; k++) {
            for (int i = 0; i < 2; i++) readyz.put(named[k][i], "http://127.0.0.1:" + ports[k][i] + "/readyz");
        }
        readyz.put("gc-service", "http://127.0.0.1:" + env.get("GC_SERVICE_PORT") + "/readyz");
        readyz.put("haproxy", "http://127.0.0.1:" + port + "/readyz");
        Duration readyBound = Duration.ofSeconds(2);
        Duration requestBound = Duration.ofSeconds(5 + 2); // kafka.timeout's default, and slack for the round trip

        Map<String, Long> before = logLines();
        cluster("kill", "kafka");
        try {
            for (var e : readyz.entrySet()) {
                HttpResponse<byte[]> r = null;
                for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); System.nanoTime() < end; Thread.sleep(200)) {
                    r = timed(e.getKey() + " /readyz", readyBound, lb, e.getValue(), "GET", null);
                    if (r.statusCode() == 503) break;
                }
                String body = new String(r.body(), StandardCharsets.UTF_8);
                assertEquals(503, r.statusCode(), e.getKey() + ": " + body);
                assertTrue(body.contains("event log unavailable: "), e.getKey() + ": " + body);
                assertTrue(!body.contains("null"), e.getKey() + " gives a readable reason: " + body);
            }
            // pushes need the log: 503 with the spec's body within the bound (each request to a fresh connection's gateway)
            for (int i = 0; i < 4; i++) {
                assertUnavailable(timed("POST upload", requestBound, lb, "/v2/" + repo + "/blobs/uploads/", "POST", new byte[0]));
                assertUnavailable(timed("manifest PUT", requestBound, lb, "/v2/" + repo + "/manifests/v" + (i + 2), "PUT", manifest));
            }
            // reads the projections answer keep working
            String digest = E2E.digest(manifest);
            for (int i = 0; i < 4; i++) {
                HttpResponse<byte[]> m = timed("manifest GET by tag", requestBound, lb, "/v2/" + repo + "/manifests/v1", "GET", null);
                assertArrayEquals(manifest, m.body(), () -> new String(m.body(), StandardCharsets.UTF_8));
                assertArrayEquals(manifest, timed("manifest GET by digest", requestBound, lb, "/v2/" + repo + "/manifests/" + digest, "GET", null).body());
                HttpResponse<byte[]> tags = timed("tags list", requestBound, lb, "/v2/" + repo + "/tags/list", "GET", null);
                assertEquals(200, tags.statusCode(), () -> new String(tags.body(), StandardCharsets.UTF_8));
                assertTrue(new String(tags.body(), StandardCharsets.UTF_8).contains("\"v1\""));
                HttpResponse<byte[]> catalog = timed("catalog", requestBound, lb, "/v2/_catalog?n=10000", "GET", null);
                assertEquals(200, catalog.statusCode());
                assertTrue(new String(catalog.body(), StandardCharsets.UTF_8).contains(repo));
                // blob lookups stay strict (the GC fence): 503, fast
                assertUnavailable(timed("blob GET", requestBound, lb, "/v2/" + repo + "/blobs/" + E2E.digest(layer), "GET", null));
            }
            // quiet logs: at most two WARN/ERROR lines per process since the kill (at least ~10 s of Kafka being down)
            long wait = TimeUnit.SECONDS.toMillis(10);
            Thread.sleep(wait);
            Map<String, List<String>> noisy = warnings(before);
            System.out.println("kafka down: warnings per process over >= 10 s: " + noisy);
            for (var e : noisy.entrySet()) {
                assertTrue(e.getValue().size() <= 2, e.getKey() + " logged more than one line per change while Kafka was down: " + e.getValue());
            }
        } finally {
            cluster("restart", "kafka");
        }
        long t0 = System.nanoTime();
        for (var e : readyz.entrySet()) {
            HttpResponse<byte[]> r = null;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); System.nanoTime() < end; Thread.sleep(250)) {
                r = timed(e.getKey() + " /readyz", readyBound, lb, e.getValue(), "GET", null);
                if (r.statusCode() == 200) break;
            }
            HttpResponse<byte[]> last = r;
            assertEquals(200, last.statusCode(), () -> e.getKey() + " ready again: " + new String(last.body(), StandardCharsets.UTF_8) + logs());
        }
        System.out.println("kafka down: every /readyz 200 again " + (System.nanoTime() - t0) / 1_000_000 + " ms after the broker's ready line");
        byte[] config2 = E2E.randomBytes(130);
        byte[] layer2 = E2E.randomBytes(7000);
        byte[] again = lb.pushImage(repo, "v2", config2, layer2);
        assertArrayEquals(again, lb.getManifest(repo, "v2").body());
        lb.assertBlobBytes(repo, layer2);
        lb.assertBlobBytes(repo, layer);
    }

    /** One request with a bound: it must answer within {@code bound}; prints the time taken. */
    private static HttpResponse<byte[]> timed(String what, Duration bound, RegistryClient c, String url, String method, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.uri(url)).timeout(bound.plusSeconds(30)).header("Accept", RegistryClient.ACCEPT_ALL)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (method.equals("PUT")) b.header("Content-Type", RegistryClient.OCI_MANIFEST);
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = c.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("kafka down: " + what + " -> " + r.statusCode() + " in " + ms + " ms");
        assertTrue(ms < bound.toMillis(), () -> what + " must answer within " + bound.toMillis() + " ms while Kafka is down; took " + ms
                + " ms: " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
        return r;
    }

    private static void assertUnavailable(HttpResponse<byte[]> r) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(503, r.statusCode(), body);
        assertTrue(body.contains("\"code\":\"UNAVAILABLE\""), "the spec's error body: " + body);
    }

    private static final List<String> SERVICES = List.of("upload-service-1", "upload-service-2", "manifest-service-1", "manifest-service-2",
            "gc-service", "gateway-1", "gateway-2");

    /** Lines in each service's log so far. */
    private static Map<String, Long> logLines() throws IOException {
        Map<String, Long> out = new HashMap<>();
        for (String s : SERVICES) {
            try (var lines = Files.lines(dir.resolve("logs/" + s + ".log"))) {
                out.put(s, lines.count());
            }
        }
        return out;
    }

    /** The WARN and ERROR lines each service logged after {@code before}. */
    private static Map<String, List<String>> warnings(Map<String, Long> before) throws IOException {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String s : SERVICES) {
            try (var lines = Files.lines(dir.resolve("logs/" + s + ".log"))) {
                out.put(s, lines.skip(before.get(s)).filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList());
            }
        }
        return out;
    }

    /** Pushes config, layer and a manifest under the tag; the manifest bytes when acknowledged, else null. */
    private static byte[] push(RegistryClient c, Duration bound, String repo, String tag, byte[] config, byte[] layer)
            throws IOException, InterruptedException {
        for (byte[] blob : List.of(config, layer)) {
            HttpResponse<byte[]> r = c.http.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/blobs/uploads/?digest=" + E2E.digest(blob)))
                    .timeout(bound).header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 201) return null;
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + E2E.digest(config) + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + E2E.digest(layer)
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = c.http.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/manifests/" + tag)).timeout(bound)
                .header("Content-Type", RegistryClient.OCI_MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return put.statusCode() == 201 ? manifest : null;
    }

    /** GET until 200 (the cluster may still be settling after the last restart), at most two minutes. */
    private static HttpResponse<byte[]> awaitOk(RegistryClient c, String path) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        HttpResponse<byte[]> r = null;
        while (System.nanoTime() < end) {
            try {
                r = c.get(path, "Accept", RegistryClient.ACCEPT_ALL);
                if (r.statusCode() == 200 || r.statusCode() == 404) return r;
            } catch (IllegalStateException e) {
                // connection trouble while settling
            }
            Thread.sleep(500);
        }
        return r;
    }
}
