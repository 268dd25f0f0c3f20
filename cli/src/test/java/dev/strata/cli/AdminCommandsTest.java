package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.gateway.auth.DevCertificates;
import dev.strata.gateway.auth.Users;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata user add|passwd|remove, strata cert, and the serve flags for auth, TLS and limits. */
class AdminCommandsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int user(String stdin, String... args) {
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        return AdminCommands.user(args, in, new PrintStream(out, true), new PrintStream(err, true));
    }

    @Test
    void userAddPasswdRemoveReadThePasswordFromStdin(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("users");
        assertEquals(0, user("first-password\n", "user", "add", "alice", "--file", f.toString()), err.toString());
        assertTrue(new Users(f).verify("alice", "first-password"));
        assertFalse(Files.readString(f).contains("first-password"));
        assertEquals(2, user("again-password\n", "user", "add", "alice", "--file", f.toString()), "exists");
        assertEquals(0, user("second-password\n", "user", "passwd", "alice", "--file", f.toString()), err.toString());
        assertTrue(new Users(f).verify("alice", "second-password"));
        assertFalse(new Users(f).verify("alice", "first-password"));
        assertEquals(2, user("", "user", "add", "bob", "--file", f.toString()), "no password on stdin");
        assertEquals(0, user("", "user", "add", "robot-ci", "--file", f.toString(), "--generate"), err.toString());
        String secret = out.toString(StandardCharsets.UTF_8).trim();
        assertEquals(43, secret.length());
        assertTrue(new Users(f).verify("robot-ci", secret));
        assertEquals(0, user("", "user", "remove", "alice", "--file", f.toString()), err.toString());
        assertFalse(new Users(f).exists("alice"));
        assertEquals(2, user("", "user", "remove", "alice", "--file", f.toString()));
        assertEquals(2, user("x\n", "user", "add", "alice"), "--file is required");
    }

    @Test
    void certWritesACaAndAServerCertificateSignedByIt(@TempDir Path dir) throws Exception {
        assertEquals(0, AdminCommands.cert(new String[] {"cert", "--dir", dir.toString(), "--host", "registry.local", "--host", "10.0.0.7"},
                new PrintStream(err, true)), err.toString());
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(dir.resolve(DevCertificates.CA_CERT))) {
            ca = (X509Certificate) cf.generateCertificate(in);
        }
        X509Certificate server;
        try (InputStream in = Files.newInputStream(dir.resolve(DevCertificates.SERVER_CERT))) {
            server = (X509Certificate) cf.generateCertificate(in);
        }
        server.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA is a CA");
        assertEquals(-1, server.getBasicConstraints(), "the server certificate is not");
        assertTrue(server.getSubjectAlternativeNames().toString().contains("registry.local"));
        assertTrue(server.getSubjectAlternativeNames().toString().contains("10.0.0.7"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key"))));
        // a second run keeps the CA
        byte[] caBefore = Files.readAllBytes(dir.resolve(DevCertificates.CA_CERT));
        assertEquals(0, AdminCommands.cert(new String[] {"cert", "--dir", dir.toString()}, new PrintStream(err, true)));
        assertEquals(new String(caBefore), Files.readString(dir.resolve(DevCertificates.CA_CERT)));
        assertEquals(2, AdminCommands.cert(new String[] {"cert", "--days", "0"}, new PrintStream(err, true)));
    }

    @Test
    void serveFlagsForAuthTlsAndLimits(@TempDir Path dir) throws Exception {
        Path auth = Files.writeString(dir.resolve("auth.yaml"), "service: x\n");
        ServeConfig c = ServeOptions.apply(ServeConfig.of("127.0.0.1:5000", dir), Map.of("--auth", auth.toString(),
                "--rate-limit", "50:200", "--max-uploads-per-client", "7", "--idle-timeout", "60", "--request-head-timeout", "5",
                "--upload-session-lifetime", "3600"));
        assertEquals(3600, c.limits().uploadSessionSeconds());
        assertEquals(auth.toAbsolutePath(), c.auth());
        assertEquals(50.0, c.limits().requestsPerSecondPerClient());
        assertEquals(200, c.limits().burstPerClient());
        assertEquals(7, c.limits().maxUploadsPerClient());
        assertEquals(60, c.idleTimeoutSeconds());
        assertEquals(5, c.limits().requestHeadSeconds());
        assertThrows(IllegalArgumentException.class, () -> ServeOptions.apply(ServeConfig.of("127.0.0.1:5000", dir), Map.of("--tls-cert", "x")));
        assertThrows(IllegalArgumentException.class, () -> ServeOptions.apply(ServeConfig.of("127.0.0.1:5000", dir), Map.of("--rate-limit", "fast")));
        assertThrows(IllegalArgumentException.class, () -> ServeOptions.apply(ServeConfig.of("127.0.0.1:5000", dir), Map.of("--max-uploads-per-client", "0")));
        assertThrows(IllegalArgumentException.class, () -> ServeOptions.apply(ServeConfig.of("127.0.0.1:5000", dir), Map.of("--auth", "/nonexistent")));
    }
}
