package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.core.util.Pem;
import dev.strata.gateway.auth.Scope;
import dev.strata.gateway.auth.TokenKeys;
import dev.strata.gateway.auth.Tokens;
import dev.strata.gateway.auth.Users;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token auth (Docker token spec) on a real single node started with an auth file. */
class AuthApiTest {
    static final String AUTH = """
            service: strata-test
            issuer: strata-test-issuer
            tokenSeconds: 120
            users: users.txt
            keys: keys
            admins: [alice]
            groups:
              readers: [bob]
            rules:
              - repositories: "team/**"
                grant:
                  alice: [pull, push, delete]
                  "@readers": [pull]
              - repositories: "carol/*"
                grant:
                  carol: ["*"]
              - repositories: "shared/*"
                grant:
                  "*": [pull]
                  alice: [push]
              - repositories: "public/**"
                anonymous: [pull]
                grant:
                  alice: [push]
            """;
    private static SingleNode node;
    private static Api anon;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("target"), "auth-registry-").toAbsolutePath();
        Files.writeString(dir.resolve("auth.yaml"), AUTH);
        Users.set(dir.resolve("users.txt"), "alice", "alice-password", false);
        Users.set(dir.resolve("users.txt"), "bob", "bob-password", false);
        Users.set(dir.resolve("users.txt"), "carol", "carol-password", false);
        node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir.resolve("data"), 1).withAuth(dir.resolve("auth.yaml")));
        anon = new Api("http://127.0.0.1:" + node.port());
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** GET /token with Basic credentials (null user: anonymous). */
    static HttpResponse<byte[]> tokenResponse(String user, String password, String... scopes) {
        StringBuilder q = new StringBuilder("/token?service=strata-test");
        for (String s : scopes) q.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
        return user == null ? anon.get(q.toString()) : anon.get(q.toString(), "Authorization", basic(user, password));
    }

    static String token(String user, String password, String... scopes) {
        HttpResponse<byte[]> r = tokenResponse(user, password, scopes);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        JsonNode j = Api.json(r);
        assertEquals(j.path("token").asText(), j.path("access_token").asText());
        assertEquals(120, j.path("expires_in").asInt());
        return j.path("token").asText();
    }

    static JsonNode claims(String jwt) {
        try {
            return Api.JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyRouteWithoutATokenGets401WithTheBearerChallenge() {
        HttpResponse<byte[]> r = anon.get("/v2/");
        assertError(r, 401, "UNAUTHORIZED");
        assertEquals("Bearer realm=\"http://127.0.0.1:" + node.port() + "/token\",service=\"strata-test\"", header(r, "WWW-Authenticate"));
        HttpResponse<byte[]> m = anon.get("/v2/team/app/manifests/latest");
        assertError(m, 401, "UNAUTHORIZED");
        assertTrue(header(m, "WWW-Authenticate").endsWith(",scope=\"repository:team/app:pull\""), header(m, "WWW-Authenticate"));
        HttpResponse<byte[]> p = anon.send("POST", "/v2/team/app/blobs/uploads/", null);
        assertError(p, 401, "UNAUTHORIZED");
        assertTrue(header(p, "WWW-Authenticate").endsWith(",scope=\"repository:team/app:pull,push\""), header(p, "WWW-Authenticate"));
        assertError(anon.delete("/v2/team/app/manifests/latest"), 401, "UNAUTHORIZED");
        assertError(anon.get("/v2/_catalog"), 401, "UNAUTHORIZED");
        assertError(anon.get("/v2/team/app/tags/list"), 401, "UNAUTHORIZED");
    }

    @Test
    void pushAndPullWithAToken() {
        Api alice = anon.withToken(token("alice", "alice-password", "repository:team/app:pull,push"));
        JsonNode c = claims(token("alice", "alice-password", "repository:team/app:pull,push,delete"));
        assertEquals("alice", c.path("sub").asText());
        assertEquals("strata-test", c.path("aud").isArray() ? c.path("aud").path(0).asText() : c.path("aud").asText());
        assertEquals("strata-test-issuer", c.path("iss").asText());
        assertEquals("repository", c.path("access").path(0).path("type").asText());
        assertEquals("team/app", c.path("access").path(0).path("name").asText());
        assertEquals(3, c.path("access").path(0).path("actions").size());
        assertEquals(200, alice.get("/v2/").statusCode());
        byte[] manifest = alice.pushImage("team/app", "v1", 2);
        assertArrayEquals(manifest, alice.get("/v2/team/app/manifests/v1").body());
        // the token covers team/app only
        HttpResponse<byte[]> other = alice.get("/v2/team/other/tags/list");
        assertError(other, 401, "UNAUTHORIZED");
        assertTrue(header(other, "WWW-Authenticate").contains("error=\"insufficient_scope\""), header(other, "WWW-Authenticate"));
    }

    @Test
    void wrongCredentialsGet401AtTheTokenEndpoint() {
        assertError(tokenResponse("alice", "wrong-password", "repository:team/app:pull"), 401, "UNAUTHORIZED");
        assertError(tokenResponse("nobody", "alice-password", "repository:team/app:pull"), 401, "UNAUTHORIZED");
        assertError(anon.get("/token?service=strata-test", "Authorization", "Basic !!!"), 401, "UNAUTHORIZED");
        assertError(anon.get("/token?service=another", "Authorization", basic("alice", "alice-password")), 401, "UNAUTHORIZED");
    }

    @Test
    void pushWithoutPushGrantIsDenied() {
        Api alice = anon.withToken(token("alice", "alice-password", "repository:team/ro:pull,push"));
        byte[] manifest = alice.pushImage("team/ro", "v1", 1);
        String bobToken = token("bob", "bob-password", "repository:team/ro:pull,push");
        JsonNode access = claims(bobToken).path("access");
        assertEquals(1, access.size());
        assertEquals("[\"pull\"]", access.path(0).path("actions").toString(), "bob is granted pull only");
        Api bob = anon.withToken(bobToken);
        assertArrayEquals(manifest, bob.get("/v2/team/ro/manifests/v1").body());
        assertError(bob.send("POST", "/v2/team/ro/blobs/uploads/", null), 403, "DENIED");
        assertError(bob.putManifest("team/ro", "v2", Api.OCI_MANIFEST, manifest), 403, "DENIED");
        assertError(bob.delete("/v2/team/ro/manifests/v1"), 403, "DENIED");
        assertArrayEquals(manifest, bob.get("/v2/team/ro/manifests/v1").body(), "nothing changed");
    }

    @Test
    void anonymousPullOnlyWhereTheRulesAllowIt() {
        Api alice = anon.withToken(token("alice", "alice-password", "repository:public/lib:pull,push"));
        byte[] manifest = alice.pushImage("public/lib", "v1", 1);
        String anonToken = token(null, null, "repository:public/lib:pull,push", "repository:team/app:pull");
        JsonNode c = claims(anonToken);
        assertTrue(c.path("sub").isMissingNode(), "anonymous tokens have no subject");
        assertEquals(1, c.path("access").size(), "only public/lib, only pull: " + c);
        Api a = anon.withToken(anonToken);
        assertArrayEquals(manifest, a.get("/v2/public/lib/manifests/v1").body());
        assertError(a.send("POST", "/v2/public/lib/blobs/uploads/", null), 401, "UNAUTHORIZED");
        assertError(a.get("/v2/team/app/tags/list"), 401, "UNAUTHORIZED");
    }

    @Test
    void catalogShowsOnlyWhatTheCallerMayPull() {
        String t = token("alice", "alice-password", "repository:team/cat:pull,push", "repository:shared/cat:pull,push",
                "repository:public/cat:pull,push");
        Api alice = anon.withToken(t);
        alice.pushImage("team/cat", "v1", 1);
        alice.pushImage("shared/cat", "v1", 1);
        alice.pushImage("public/cat", "v1", 1);
        Set<String> forAlice = catalog(token("alice", "alice-password", "registry:catalog:*"));
        assertTrue(forAlice.containsAll(Set.of("team/cat", "shared/cat", "public/cat")), forAlice.toString());
        Set<String> forCarol = catalog(token("carol", "carol-password", "registry:catalog:*"));
        assertTrue(forCarol.containsAll(Set.of("shared/cat", "public/cat")), forCarol.toString());
        assertFalse(forCarol.contains("team/cat"), forCarol.toString());
        Set<String> forAnonymous = catalog(token(null, null, "registry:catalog:*"));
        assertTrue(forAnonymous.contains("public/cat"), forAnonymous.toString());
        assertFalse(forAnonymous.contains("team/cat") || forAnonymous.contains("shared/cat"), forAnonymous.toString());
    }

    private Set<String> catalog(String token) {
        HttpResponse<byte[]> r = anon.withToken(token).get("/v2/_catalog");
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        Set<String> out = new java.util.HashSet<>();
        Api.json(r).path("repositories").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void mountNeedsPullOnTheSource() {
        Api alice = anon.withToken(token("alice", "alice-password", "repository:team/src:pull,push"));
        byte[] data = Api.random(2000);
        String d = alice.pushBlob("team/src", data);
        Api carol = anon.withToken(token("carol", "carol-password", "repository:carol/dst:pull,push", "repository:team/src:pull"));
        HttpResponse<byte[]> r = carol.send("POST", "/v2/carol/dst/blobs/uploads/?mount=" + d + "&from=team/src", null);
        assertEquals(202, r.statusCode(), "no pull on team/src: a normal upload, not a mount");
        assertError(carol.get("/v2/carol/dst/blobs/" + d), 404, "BLOB_UNKNOWN");
        Api alice2 = anon.withToken(token("alice", "alice-password", "repository:team/dst:pull,push", "repository:team/src:pull"));
        HttpResponse<byte[]> m = alice2.send("POST", "/v2/team/dst/blobs/uploads/?mount=" + d + "&from=team/src", null);
        assertEquals(201, m.statusCode(), () -> new String(m.body()));
        assertArrayEquals(data, alice2.get("/v2/team/dst/blobs/" + d).body());
    }

    @Test
    void oauth2PasswordGrantIssuesATokenAndOtherGrantsAreRefused() {
        String form = "grant_type=password&service=strata-test&client_id=test&username=alice&password=alice-password"
                + "&scope=" + URLEncoder.encode("repository:team/oauth:pull,push repository:team/oauth2:pull", StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = anon.send("POST", "/token", form.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        String t = Api.json(r).path("access_token").asText();
        assertEquals(2, claims(t).path("access").size());
        assertEquals(200, anon.withToken(t).get("/v2/").statusCode());
        HttpResponse<byte[]> bad = anon.send("POST", "/token", form.replace("alice-password", "nope").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(401, bad.statusCode());
        HttpResponse<byte[]> refresh = anon.send("POST", "/token", "grant_type=refresh_token&refresh_token=x&service=strata-test"
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(400, refresh.statusCode());
        assertEquals("invalid_grant", Api.json(refresh).path("error").asText());
        assertTrue(Api.json(r).path("refresh_token").isMissingNode(), "no refresh token unless offline access is asked for");
        HttpResponse<byte[]> other = anon.send("POST", "/token", "grant_type=client_credentials&service=strata-test"
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(400, other.statusCode());
        assertEquals("unsupported_grant_type", Api.json(other).path("error").asText());
    }

    private static HttpResponse<byte[]> form(String form) {
        return anon.send("POST", "/token", form.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
    }

    private static HttpResponse<byte[]> refreshGrant(String refreshToken, String scope) {
        return form("grant_type=refresh_token&service=strata-test&client_id=test&refresh_token=" + refreshToken
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
    }

    @Test
    void refreshTokensIssueNewAccessTokensUntilThePasswordChangesOrTheUserGoes() throws Exception {
        Users.set(dir.resolve("users.txt"), "erin", "erin-password-1", false);
        try {
            // the GET flow with offline_token=true (docker login), and the POST flow with access_type=offline
            HttpResponse<byte[]> get = anon.get("/token?service=strata-test&offline_token=true&client_id=test",
                    "Authorization", basic("erin", "erin-password-1"));
            assertEquals(200, get.statusCode(), () -> new String(get.body()));
            String viaGet = Api.json(get).path("refresh_token").asText();
            HttpResponse<byte[]> post = form("grant_type=password&service=strata-test&client_id=test&access_type=offline"
                    + "&username=erin&password=erin-password-1");
            assertEquals(200, post.statusCode(), () -> new String(post.body()));
            String refresh = Api.json(post).path("refresh_token").asText();
            assertFalse(refresh.isEmpty() || viaGet.isEmpty(), "both flows return a refresh token");
            JsonNode rc = claims(refresh);
            long lifetime = rc.path("exp").asLong() - rc.path("iat").asLong();
            assertEquals(604_800, lifetime, "bounded by refreshTokenSeconds (default 7 days)");
            assertTrue(anon.get("/token?service=strata-test&offline_token=true").statusCode() == 200
                    && Api.json(anon.get("/token?service=strata-test&offline_token=true")).path("refresh_token").isMissingNode(),
                    "anonymous callers get no refresh token");

            // redeemed for an access token with the rules' grants, and usable again
            HttpResponse<byte[]> r = refreshGrant(refresh, "repository:public/lib:pull,push");
            assertEquals(200, r.statusCode(), () -> new String(r.body()));
            String access = Api.json(r).path("access_token").asText();
            assertEquals("erin", claims(access).path("sub").asText());
            assertFalse(claims(access).path("access").toString().contains("push"), "only what the rules grant erin: " + claims(access));
            assertEquals(200, anon.withToken(access).get("/v2/").statusCode(), "the new access token works");
            assertEquals(200, refreshGrant(viaGet, "repository:public/lib:pull").statusCode());

            // a refresh token is not a bearer token, and an access token is not a refresh token
            assertError(anon.withToken(refresh).get("/v2/"), 401, "UNAUTHORIZED");
            assertEquals("invalid_grant", Api.json(refreshGrant(access, "repository:public/lib:pull")).path("error").asText());
            String forged = refresh.substring(0, refresh.lastIndexOf('.') + 1) + "AAAA";
            assertEquals("invalid_grant", Api.json(refreshGrant(forged, "repository:public/lib:pull")).path("error").asText());

            // a password change revokes it
            Users.set(dir.resolve("users.txt"), "erin", "erin-password-2", true);
            HttpResponse<byte[]> revoked = refreshGrant(refresh, "repository:public/lib:pull");
            assertEquals(400, revoked.statusCode());
            assertEquals("invalid_grant", Api.json(revoked).path("error").asText());
            HttpResponse<byte[]> fresh = form("grant_type=password&service=strata-test&client_id=test&access_type=offline"
                    + "&username=erin&password=erin-password-2");
            String second = Api.json(fresh).path("refresh_token").asText();
            assertEquals(200, refreshGrant(second, "repository:public/lib:pull").statusCode());
            // and so does removing the user
            Users.remove(dir.resolve("users.txt"), "erin");
            assertEquals("invalid_grant", Api.json(refreshGrant(second, "repository:public/lib:pull")).path("error").asText());
        } finally {
            if (Files.readString(dir.resolve("users.txt")).contains("erin:")) Users.remove(dir.resolve("users.txt"), "erin");
        }
    }

    /** Runs an admin command with a password on stdin or in the environment; returns exit code, stdout and stderr. */
    private static String[] admin(String stdin, java.util.Map<String, String> env, String... args) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = dev.strata.cli.CliAccess.admin(args, new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), env,
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void adminCommandsLogInThroughTheTokenEndpoint() throws Exception {
        String registry = "127.0.0.1:" + node.port();
        // gc as an admin: password on stdin
        String[] gc = admin("alice-password\n", java.util.Map.of(), "gc", "--dry-run", "--registry", registry, "--user", "alice", "--password-stdin");
        assertEquals("0", gc[0], () -> gc[2]);
        assertTrue(gc[1].contains("would collect"), gc[1]);
        // quota with the password from the environment
        String[] set = admin("", java.util.Map.of("STRATA_PASSWORD", "alice-password"), "quota", "set", "team", "5GiB", "--registry", registry, "--user", "alice");
        assertEquals("0", set[0], () -> set[2]);
        assertTrue(set[1].contains("team: quota 5368709120 bytes"), set[1]);
        assertEquals("0", admin("", java.util.Map.of("STRATA_PASSWORD", "alice-password"), "quota", "remove", "team", "--registry", registry,
                "--user", "alice")[0]);
        // tag history and restore with repository scopes
        Api alice = anon.withToken(token("alice", "alice-password", "repository:team/cli:pull,push"));
        String d1 = Digest.sha256(alice.pushImage("team/cli", "live", 1)).toString();
        alice.pushImage("team/cli", "live", 1);
        String[] hist = admin("alice-password\n", java.util.Map.of(), "tag", "history", "team/cli:live", "--registry", registry,
                "--user", "alice", "--password-stdin");
        assertEquals("0", hist[0], () -> hist[2]);
        assertTrue(hist[1].contains(d1), hist[1]);
        String[] restore = admin("alice-password\n", java.util.Map.of(), "tag", "restore", "team/cli:live", "--digest", d1,
                "--registry", registry, "--user", "alice", "--password-stdin");
        assertEquals("0", restore[0], () -> restore[2]);
        assertEquals(d1, header(alice.get("/v2/team/cli/manifests/live"), "Docker-Content-Digest"));

        // no credentials, wrong ones, or a user who is no admin: a clear failure, exit 1
        String[] none = admin("", java.util.Map.of(), "gc", "--dry-run", "--registry", registry);
        assertEquals("1", none[0]);
        assertTrue(none[2].contains("401"), none[2]);
        String[] wrong = admin("nope-nope\n", java.util.Map.of(), "gc", "--registry", registry, "--user", "alice", "--password-stdin");
        assertEquals("1", wrong[0]);
        assertTrue(wrong[2].contains("login as alice failed"), wrong[2]);
        String[] bob = admin("bob-password\n", java.util.Map.of(), "gc", "--registry", registry, "--user", "bob", "--password-stdin");
        assertEquals("1", bob[0]);
        assertTrue(bob[2].contains("DENIED"), bob[2]);
        // the password never comes from argv
        String[] argv = admin("", java.util.Map.of(), "gc", "--registry", registry, "--user", "alice");
        assertEquals("2", argv[0]);
        assertTrue(argv[2].contains("STRATA_PASSWORD"), argv[2]);
    }

    @Test
    void adminAndTagHistoryEndpointsAreProtected() {
        assertError(anon.send("POST", "/strata/v1/gc?dry-run=true", null), 401, "UNAUTHORIZED");
        String aliceGc = token("alice", "alice-password", "registry:gc:*");
        assertEquals("gc", claims(aliceGc).path("access").path(0).path("name").asText());
        HttpResponse<byte[]> ok = anon.withToken(aliceGc).send("POST", "/strata/v1/gc?dry-run=true", null);
        assertEquals(200, ok.statusCode(), () -> new String(ok.body()));
        String bobGc = token("bob", "bob-password", "registry:gc:*");
        assertEquals(0, claims(bobGc).path("access").size(), "bob is no admin");
        assertError(anon.withToken(bobGc).send("POST", "/strata/v1/gc?dry-run=true", null), 403, "DENIED");

        assertError(anon.withToken(bobGc).get("/strata/v1/quotas/team"), 403, "DENIED");
        HttpResponse<byte[]> quota = anon.withToken(token("alice", "alice-password", "registry:quotas:*")).get("/strata/v1/quotas/team");
        assertEquals(200, quota.statusCode(), () -> new String(quota.body()));

        Api alice = anon.withToken(token("alice", "alice-password", "repository:team/hist:pull,push"));
        alice.pushImage("team/hist", "v1", 1);
        String history = new String(alice.get("/strata/v1/repositories/team/hist/tags/v1/history").body());
        assertTrue(history.contains("alice@"), "the history names the user: " + history);
        assertError(anon.get("/strata/v1/repositories/team/hist/tags/v1/history"), 401, "UNAUTHORIZED");
        Api bob = anon.withToken(token("bob", "bob-password", "repository:team/hist:pull,push"));
        assertEquals(200, bob.get("/strata/v1/repositories/team/hist/tags/v1/history").statusCode());
        assertError(bob.send("POST", "/strata/v1/repositories/team/hist/tags/v1/restore?digest=sha256:" + "0".repeat(64), null),
                403, "DENIED");
    }

    // ---- hostile tokens

    private void assertInvalidToken(String token, String why) {
        HttpResponse<byte[]> r = anon.withToken(token).get("/v2/public/lib/tags/list");
        assertError(r, 401, "UNAUTHORIZED");
        assertTrue(header(r, "WWW-Authenticate").contains("error=\"invalid_token\""), why + ": " + header(r, "WWW-Authenticate"));
    }

    private static Tokens signer(TokenKeys keys, String issuer, String audience, Clock clock) {
        return new Tokens(keys, issuer, audience, Duration.ofSeconds(60), clock);
    }

    @Test
    void forgedExpiredAndMisdirectedTokensAre401() {
        TokenKeys real = TokenKeys.loadOrCreate(dir.resolve("keys"));
        List<Scope> pull = List.of(new Scope("repository", "public/lib", Set.of("pull")));
        Clock now = Clock.systemUTC();
        // the real key works (so the failures below are about what each one changes)
        HttpResponse<byte[]> ok = anon.withToken(signer(real, "strata-test-issuer", "strata-test", now).issue("alice", pull)).get("/v2/");
        assertEquals(200, ok.statusCode(), "a token from the real key is accepted");

        String good = signer(real, "strata-test-issuer", "strata-test", now).issue("alice", pull);
        String[] parts = good.split("\\.");
        String noneHeader = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
        assertInvalidToken(noneHeader + "." + parts[1] + ".", "alg=none");
        String hsHeader = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"alg\":\"HS256\",\"kid\":\"" + real.signingKid() + "\"}").getBytes());
        assertInvalidToken(hsHeader + "." + parts[1] + "." + parts[2], "alg=HS256");
        assertInvalidToken(signer(TokenKeys.of(Pem.generateP256()), "strata-test-issuer", "strata-test", now).issue("alice", pull),
                "unknown key");
        // another key's signature under the real kid
        String forged = signer(TokenKeys.of(Pem.generateP256()), "strata-test-issuer", "strata-test", now).issue("alice", pull);
        assertInvalidToken(parts[0] + "." + forged.split("\\.")[1] + "." + forged.split("\\.")[2], "wrong key, real kid");
        // a payload changed after signing
        String admin = Base64.getUrlEncoder().withoutPadding().encodeToString(new String(Base64.getUrlDecoder().decode(parts[1]),
                StandardCharsets.UTF_8).replace("public/lib", "team/app").getBytes(StandardCharsets.UTF_8));
        assertInvalidToken(parts[0] + "." + admin + "." + parts[2], "tampered payload");
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        assertInvalidToken(signer(real, "strata-test-issuer", "strata-test", past).issue("alice", pull), "expired");
        assertInvalidToken(signer(real, "strata-test-issuer", "another-registry", now).issue("alice", pull), "wrong audience");
        assertInvalidToken(signer(real, "someone-else", "strata-test", now).issue("alice", pull), "wrong issuer");
        assertInvalidToken("not.a.jwt", "garbage");
        assertInvalidToken("x".repeat(9000), "oversized");
    }

    @Test
    void userAddedWhileServingCanLogIn() throws Exception {
        assertError(tokenResponse("dave", "dave-password-1"), 401, "UNAUTHORIZED");
        Users.set(dir.resolve("users.txt"), "dave", "dave-password-1", false);
        assertNotNull(token("dave", "dave-password-1"));
        Users.set(dir.resolve("users.txt"), "dave", "dave-password-2", true);
        assertError(tokenResponse("dave", "dave-password-1"), 401, "UNAUTHORIZED");
        assertNotNull(token("dave", "dave-password-2"));
        Users.remove(dir.resolve("users.txt"), "dave");
        assertError(tokenResponse("dave", "dave-password-2"), 401, "UNAUTHORIZED");
        String file = Files.readString(dir.resolve("users.txt"));
        assertTrue(file.contains("alice:$2b$10$") && !file.contains("alice-password"), "bcrypt hashes, never passwords");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users.txt"))));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("keys/signing.pem"))));
    }
}
