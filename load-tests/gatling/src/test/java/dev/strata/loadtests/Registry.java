package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.foreach;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI Distribution API calls the simulations are made of: pushing blobs (monolithic POST + PUT,
 * or chunked PATCHes with Content-Range), pushing and pulling manifests, HEAD, catalog and tags.
 * Request names group the statistics in the report: "blob ..." requests move layer bytes, the
 * others are light.
 */
final class Registry {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** Repositories a run uses, under the run's prefix (token scopes are asked for all of them). */
    static final List<String> REPOS = List.of("push", "chunked", "seed", "mixed");

    final Params p;

    Registry(Params p) {
        this.p = p;
    }

    String repo(String name) {
        return p.prefix + "/" + name;
    }

    HttpProtocolBuilder protocol() {
        HttpProtocolBuilder h = http.baseUrl(p.baseUrl).disableCaching().disableFollowRedirect()
                .userAgentHeader("strata-gatling").shareConnections();
        if (!p.username.isEmpty()) h = h.header("Authorization", "Bearer #{token}");
        return h;
    }

    /** With credentials: reads the challenge of GET /v2/ and gets a token for every repository of the run. */
    ChainBuilder login() {
        if (p.username.isEmpty()) return exec(s -> s);
        return exec(http("auth challenge").get("/v2/").header("Authorization", "")
                .check(status().is(401), header("WWW-Authenticate").saveAs("challenge")))
                .exec(s -> {
                    String c = s.getString("challenge");
                    StringBuilder url = new StringBuilder(param(c, "realm")).append("?service=")
                            .append(enc(param(c, "service")));
                    for (String r : REPOS) url.append("&scope=").append(enc("repository:" + repo(r) + ":pull,push"));
                    url.append("&scope=").append(enc("registry:catalog:*"));
                    return s.set("tokenUrl", url.toString());
                })
                .exec(http("auth token").get("#{tokenUrl}").header("Authorization", "")
                        .basicAuth(p.username, p.password)
                        .check(status().is(200), jsonPath("$.token").saveAs("token")));
    }

    private static String param(String challenge, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(challenge);
        if (!m.find()) throw new IllegalStateException("no " + name + " in challenge " + challenge);
        return m.group(1);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String withDigest(String location, String digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    /** Puts fresh layers (sizes cycling through layerMiB), a config and their manifest into the session. */
    ChainBuilder newImage() {
        return exec(s -> {
            List<Blobs.Blob> layers = new ArrayList<>();
            int start = ThreadLocalRandom.current().nextInt(p.layerMiB.size());
            for (int i = 0; i < p.layers; i++) layers.add(Blobs.layer(p.layerMiB.get((start + i) % p.layerMiB.size()) << 20));
            Blobs.Blob config = Blobs.config();
            StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"").append(OCI_MANIFEST)
                    .append("\",\"config\":{\"mediaType\":\"").append(OCI_CONFIG).append("\",\"digest\":\"")
                    .append(config.digest()).append("\",\"size\":").append(config.data().length).append("},\"layers\":[");
            for (int i = 0; i < layers.size(); i++) {
                if (i > 0) m.append(',');
                m.append("{\"mediaType\":\"").append(OCI_LAYER).append("\",\"digest\":\"").append(layers.get(i).digest())
                        .append("\",\"size\":").append(layers.get(i).data().length).append('}');
            }
            m.append("]}");
            List<Blobs.Blob> all = new ArrayList<>(layers);
            all.add(config);
            return s.set("blobs", all).set("manifest", m.toString()).set("tag", "t" + Long.toString(System.nanoTime(), 36));
        });
    }

    /** Monolithic upload of every blob in "blobs": POST, then one PUT ?digest= with the whole body. */
    ChainBuilder pushBlobsMonolithic(String repo) {
        return foreach(s -> s.getList("blobs"), "blob").on(
                exec(http("POST upload").post("/v2/" + repo + "/blobs/uploads/")
                        .check(status().is(202), header("Location").saveAs("loc")))
                .exec(http("blob PUT monolithic")
                        .put(s -> withDigest(s.getString("loc"), blob(s).digest()))
                        .header("Content-Type", "application/octet-stream")
                        .body(ByteArrayBody(s -> blob(s).data()))
                        .check(status().is(201), header("Docker-Content-Digest").is(s -> blob(s).digest()))));
    }

    /** Chunked upload of every blob in "blobs": POST, PATCHes of chunkMiB with Content-Range, then PUT ?digest=. */
    ChainBuilder pushBlobsChunked(String repo) {
        int chunk = p.chunkMiB << 20;
        return foreach(s -> s.getList("blobs"), "blob").on(
                exec(http("POST upload").post("/v2/" + repo + "/blobs/uploads/")
                        .check(status().is(202), header("Location").saveAs("loc")))
                .exec(s -> s.set("chunks", (blob(s).data().length + chunk - 1) / chunk))
                .exec(repeat(s -> s.getInt("chunks"), "i").on(
                        exec(http("blob PATCH chunk").patch("#{loc}")
                                .header("Content-Type", "application/octet-stream")
                                .header("Content-Range", s -> {
                                    int from = s.getInt("i") * chunk;
                                    return from + "-" + (Math.min(from + chunk, blob(s).data().length) - 1);
                                })
                                .body(ByteArrayBody(s -> {
                                    byte[] d = blob(s).data();
                                    int from = s.getInt("i") * chunk;
                                    return Arrays.copyOfRange(d, from, Math.min(from + chunk, d.length));
                                }))
                                .check(status().is(202), header("Location").saveAs("loc")))))
                .exec(http("PUT upload complete").put(s -> withDigest(s.getString("loc"), blob(s).digest()))
                        .check(status().is(201))));
    }

    ChainBuilder pushManifest(String repo) {
        return exec(http("PUT manifest").put("/v2/" + repo + "/manifests/#{tag}")
                .header("Content-Type", OCI_MANIFEST)
                .body(StringBody("#{manifest}"))
                .check(status().is(201), header("Docker-Content-Digest").saveAs("manifestDigest")))
                .exec(s -> s.remove("blobs"));  // drop the layer bytes as soon as they are pushed
    }

    /** Pushes a new image and remembers its tag as "pullTag". */
    ChainBuilder pushImage(String repo, boolean chunked) {
        return newImage().exec(chunked ? pushBlobsChunked(repo) : pushBlobsMonolithic(repo))
                .exec(pushManifest(repo)).exec(s -> s.set("pullTag", s.getString("tag")));
    }

    /** GET manifest by tag, then GET every layer and the config (bodies are counted, not kept). */
    ChainBuilder pullImage(String repo, java.util.function.Function<Session, String> tag) {
        return exec(http("GET manifest").get(s -> "/v2/" + repo + "/manifests/" + tag.apply(s))
                .header("Accept", OCI_MANIFEST)
                .check(status().is(200), header("Docker-Content-Digest").exists(),
                        jsonPath("$.layers[*].digest").findAll().saveAs("layerDigests"),
                        jsonPath("$.config.digest").saveAs("configDigest")))
                .exec(http("GET config").get(s -> "/v2/" + repo + "/blobs/" + s.getString("configDigest"))
                        .check(status().is(200)))
                .foreach(s -> s.getList("layerDigests"), "d").on(
                        exec(http("blob GET layer").get(s -> "/v2/" + repo + "/blobs/" + s.getString("d"))
                                .check(status().is(200), header("Docker-Content-Digest").is(s -> s.getString("d")))));
    }

    ChainBuilder headBlob(String repo) {
        return exec(http("HEAD blob").head(s -> "/v2/" + repo + "/blobs/" + s.getString("headDigest"))
                .check(status().is(200), header("Content-Length").exists()));
    }

    ChainBuilder catalog() {
        return exec(http("GET catalog").get("/v2/_catalog?n=100").check(status().is(200), jsonPath("$.repositories").exists()));
    }

    ChainBuilder tags(String repo) {
        return exec(http("GET tags").get("/v2/" + repo + "/tags/list?n=1000").check(status().is(200), jsonPath("$.tags").exists()));
    }

    private static Blobs.Blob blob(Session s) {
        return s.get("blob");
    }
}
