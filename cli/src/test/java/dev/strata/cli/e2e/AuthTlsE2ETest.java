package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.gateway.GatewayConfig;
import dev.strata.gateway.auth.DevCertificates;
import dev.strata.gateway.auth.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * skopeo and podman against a node with token auth and HTTPS from a `strata cert` development CA:
 * login with right and wrong credentials, push with and without the push grant, pull, and TLS
 * verification that fails without the CA.
 */
class AuthTlsE2ETest {
    static final String AUTH = """
            service: strata-e2e
            users: users.txt
            rules:
              - repositories: "e2e/**"
                grant:
                  alice: [pull, push, delete]
                  bob: [pull]
            """;
    static SingleNode node;
    static Tools tools;
    static Path work;
    static Path certDir;
    static String host;
    static OciLayout layout;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("skopeo", "podman", "umoci");
        StrataProcess.assumeLaunchable("auth and TLS");
        tools = Tools.get();
        work = E2E.freshDir("auth-tls").toAbsolutePath();
        Path pki = work.resolve("pki");
        DevCertificates.generate(pki, List.of("localhost", "127.0.0.1", "::1"), java.time.Duration.ofDays(1));
        // a client cert dir holds CA certificates (*.crt) only
        certDir = Files.createDirectories(work.resolve("client-certs"));
        Files.copy(pki.resolve(DevCertificates.CA_CERT), certDir.resolve("ca.crt"));
        Files.writeString(work.resolve("auth.yaml"), AUTH);
        Users.set(work.resolve("users.txt"), "alice", "alice-secret-1", false);
        Users.set(work.resolve("users.txt"), "bob", "bob-secret-1", false);
        node = SingleNode.start(new ServeConfig("127.0.0.1", 0, work.resolve("data"), 1)
                .withAuth(work.resolve("auth.yaml"))
                .withTls(new GatewayConfig.Tls(pki.resolve(DevCertificates.SERVER_CERT), pki.resolve(DevCertificates.SERVER_KEY))));
        host = "127.0.0.1:" + node.port();
        layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "v1", "linux", "amd64");
        layout.addLayer(tools, "v1", Map.of("data/a.bin", 300_000L));
        layout.gc(tools);
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    private static Path authFile(String name) throws Exception {
        Path f = work.resolve(name + "-auth.json");
        Files.writeString(f, "{}\n");
        return f;
    }

    /** {@code skopeo|podman login} over TLS with the CA, into a private auth file; the result whatever the exit code. */
    private static Tools.Result login(String tool, Path authFile, String user, String password) {
        return tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of(tool, "login", "--authfile", authFile.toString(),
                "--tls-verify=true", "--cert-dir", certDir.toString(), "-u", user, "-p", password, host));
    }

    private static void assertSucceeded(Tools.Result r) {
        assertEquals(0, r.exitCode, r.describe());
    }

    /** The command failed, and its output says why in words matching {@code reason} (lower case). */
    private static void assertRefused(Tools.Result r, String reason) {
        assertNotEquals(0, r.exitCode, r.describe());
        assertTrue((r.stderr + r.stdout).toLowerCase().matches("(?s).*(" + reason + ").*"), r.describe());
    }

    @Test
    void skopeoLoginPushAndPullOverTls() throws Exception {
        Path alice = authFile("skopeo-alice");
        assertRefused(login("skopeo", alice, "alice", "wrong-password"), "unauthorized|invalid username/password");
        assertSucceeded(login("skopeo", alice, "alice", "alice-secret-1"));
        tools.skopeo("copy", "--authfile", alice.toString(), "--dest-tls-verify=true", "--dest-cert-dir", certDir.toString(),
                layout.ref("v1"), "docker://" + host + "/e2e/skopeo:v1");
        Tools.Result inspect = tools.skopeo("inspect", "--raw", "--authfile", alice.toString(), "--tls-verify=true",
                "--cert-dir", certDir.toString(), "docker://" + host + "/e2e/skopeo:v1");
        assertEquals(E2E.digest(inspect.stdout.getBytes(java.nio.charset.StandardCharsets.UTF_8)), layout.digestOf("v1"));

        // bob may pull, not push
        Path bob = authFile("skopeo-bob");
        assertSucceeded(login("skopeo", bob, "bob", "bob-secret-1"));
        Path copy = work.resolve("bob-copy");
        tools.skopeo("copy", "--authfile", bob.toString(), "--src-tls-verify=true", "--src-cert-dir", certDir.toString(),
                "docker://" + host + "/e2e/skopeo:v1", "oci:" + copy + ":v1");
        Tools.Result push = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "copy", "--authfile", bob.toString(),
                "--dest-tls-verify=true", "--dest-cert-dir", certDir.toString(), layout.ref("v1"), "docker://" + host + "/e2e/bob:v1"));
        assertRefused(push, "denied|unauthorized");

        // no credentials: unauthorized; no CA: the certificate is not trusted
        Tools.Result anonymous = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "inspect", "--authfile",
                authFile("skopeo-anon").toString(), "--tls-verify=true", "--cert-dir", certDir.toString(), "docker://" + host + "/e2e/skopeo:v1"));
        assertNotEquals(0, anonymous.exitCode, anonymous.describe());
        Tools.Result untrusted = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("skopeo", "inspect", "--authfile", alice.toString(),
                "--tls-verify=true", "--cert-dir", work.resolve("empty").toString(), "docker://" + host + "/e2e/skopeo:v1"));
        assertRefused(untrusted, "certificate");
    }

    /** strata tag (an admin command) over HTTPS with the dev CA, logging in through the token endpoint. */
    @Test
    void adminCliLogsInOverTls() throws Exception {
        Path alice = authFile("cli-alice");
        assertSucceeded(login("skopeo", alice, "alice", "alice-secret-1"));
        tools.skopeo("copy", "--authfile", alice.toString(), "--dest-tls-verify=true", "--dest-cert-dir", certDir.toString(),
                layout.ref("v1"), "docker://" + host + "/e2e/cli:v1");
        String ca = work.resolve("pki").resolve(DevCertificates.CA_CERT).toString();
        String[] ok = strata("alice-secret-1\n", "tag", "history", "e2e/cli:v1", "--registry", "https://" + host, "--ca-cert", ca,
                "--user", "alice", "--password-stdin");
        assertEquals("0", ok[0], ok[2]);
        assertTrue(ok[1].contains(layout.digestOf("v1")), ok[1]);
        String[] untrusted = strata("alice-secret-1\n", "tag", "history", "e2e/cli:v1", "--registry", "https://" + host,
                "--user", "alice", "--password-stdin");
        assertEquals("1", untrusted[0], untrusted[1]);
        assertTrue(untrusted[2].toLowerCase().contains("certif") || untrusted[2].toLowerCase().contains("pkix"), untrusted[2]);
        String[] wrong = strata("not-her-password\n", "tag", "history", "e2e/cli:v1", "--registry", "https://" + host, "--ca-cert", ca,
                "--user", "alice", "--password-stdin");
        assertEquals("1", wrong[0]);
        assertTrue(wrong[2].contains("login as alice failed"), wrong[2]);
    }

    private static String[] strata(String stdin, String... args) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = dev.strata.cli.CliAccess.admin(args, new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Map.of(), new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void podmanLoginPushAndPullOverTls() throws Exception {
        Path alice = authFile("podman-alice");
        assertRefused(login("podman", alice, "alice", "nope-nope"), "unauthorized|invalid username/password");
        assertSucceeded(login("podman", alice, "alice", "alice-secret-1"));
        String[] pulled = tools.podman("pull", layout.ref("v1")).stdout.trim().split("\n");
        String imageId = pulled[pulled.length - 1].trim();
        tools.podman("push", "--authfile", alice.toString(), "--tls-verify=true", "--cert-dir", certDir.toString(),
                imageId, "docker://" + host + "/e2e/podman:v1");
        tools.podman("rmi", "--force", imageId);
        Path bob = authFile("podman-bob");
        assertSucceeded(login("podman", bob, "bob", "bob-secret-1"));
        tools.podman("pull", "--authfile", bob.toString(), "--tls-verify=true", "--cert-dir", certDir.toString(), host + "/e2e/podman:v1");
        Tools.Result push = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("podman", "push", "--authfile", bob.toString(),
                "--tls-verify=true", "--cert-dir", certDir.toString(), host + "/e2e/podman:v1", host + "/e2e/bob-podman:v1"));
        assertRefused(push, "denied|unauthorized");
    }
}
