package dev.strata.gateway.auth;

import dev.strata.core.util.Pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
    private static final List<Scope> PULL = List.of(new Scope("repository", "a/b", Set.of("pull")));
    private final Clock now = Clock.systemUTC();

    @Test
    void issuedTokenVerifiesWithItsGrants() throws Exception {
        Tokens t = new Tokens(TokenKeys.of(Pem.generateP256()), "iss", "svc", Duration.ofMinutes(1), now);
        Caller c = t.verify(t.issue("alice", PULL));
        assertEquals("alice", c.subject());
        assertTrue(c.allows("repository", "a/b", "pull"));
        assertFalse(c.allows("repository", "a/b", "push"));
        assertFalse(c.allows("repository", "a/c", "pull"));
        assertNull(t.verify(t.issue(null, List.of())).subject());
    }

    @Test
    void rotatedKeysVerifyByKidAndGeneratedKeysPersist(@TempDir Path dir) throws Exception {
        TokenKeys first = TokenKeys.loadOrCreate(dir);
        assertEquals(first.signingKid(), TokenKeys.loadOrCreate(dir).signingKid(), "the key is stored, not regenerated");
        String old = new Tokens(first, "iss", "svc", Duration.ofMinutes(1), now).issue("alice", PULL);
        Files.move(dir.resolve(TokenKeys.SIGNING), dir.resolve("old.pem"));
        TokenKeys rotated = TokenKeys.loadOrCreate(dir);
        assertFalse(rotated.signingKid().equals(first.signingKid()));
        assertEquals(2, rotated.verificationKeys());
        Tokens t = new Tokens(rotated, "iss", "svc", Duration.ofMinutes(1), now);
        assertEquals("alice", t.verify(old).subject(), "a token from the previous key is still valid");
        assertEquals("bob", t.verify(t.issue("bob", PULL)).subject());
        Files.delete(dir.resolve("old.pem"));
        Tokens without = new Tokens(TokenKeys.loadOrCreate(dir), "iss", "svc", Duration.ofMinutes(1), now);
        assertThrows(Tokens.InvalidToken.class, () -> without.verify(old), "a retired key's tokens are refused");
    }

    @Test
    void publicKeyFilesAreVerificationKeys(@TempDir Path dir) throws Exception {
        KeyPair other = Pem.generateP256();
        Pem.write(dir.resolve("peer.pem"), false, other.getPublic());
        TokenKeys keys = TokenKeys.loadOrCreate(dir);
        String fromPeer = new Tokens(TokenKeys.of(other), "iss", "svc", Duration.ofMinutes(1), now).issue("x", PULL);
        assertEquals("x", new Tokens(keys, "iss", "svc", Duration.ofMinutes(1), now).verify(fromPeer).subject());
    }

    @Test
    void expiryAudienceIssuerAndKeyAreChecked() {
        KeyPair kp = Pem.generateP256();
        Tokens verifier = new Tokens(TokenKeys.of(kp), "iss", "svc", Duration.ofMinutes(1), now);
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(2)), ZoneOffset.UTC);
        Clock future = Clock.fixed(Instant.now().plus(Duration.ofMinutes(5)), ZoneOffset.UTC);
        assertThrows(Tokens.InvalidToken.class, () -> verifier.verify(new Tokens(TokenKeys.of(kp), "iss", "svc", Duration.ofMinutes(1), past).issue("a", PULL)));
        assertThrows(Tokens.InvalidToken.class, () -> verifier.verify(new Tokens(TokenKeys.of(kp), "iss", "svc", Duration.ofMinutes(10), future).issue("a", PULL)),
                "not valid yet");
        assertThrows(Tokens.InvalidToken.class, () -> verifier.verify(new Tokens(TokenKeys.of(kp), "iss", "other", Duration.ofMinutes(1), now).issue("a", PULL)));
        assertThrows(Tokens.InvalidToken.class, () -> verifier.verify(new Tokens(TokenKeys.of(kp), "other", "svc", Duration.ofMinutes(1), now).issue("a", PULL)));
        ECPublicKey pub = (ECPublicKey) kp.getPublic();
        assertThrows(Tokens.InvalidToken.class, () -> verifier.verify(new Tokens(TokenKeys.of(Pem.generateP256(), pub), "iss", "svc", Duration.ofMinutes(1), now).issue("a", PULL)),
                "signed by a key the verifier does not have");
    }

    @Test
    void scopeParsing() {
        assertEquals(new Scope("repository", "a/b", Set.of("pull", "push")), Scope.parse("repository:a/b:pull,push"));
        assertEquals(new Scope("repository", "host:5000/a", Set.of("pull")), Scope.parse("repository:host:5000/a:pull"));
        assertEquals("repository", Scope.parse("repository(plugin):a:pull").type());
        assertNull(Scope.parse("repository:a:"));
        assertNull(Scope.parse("repository"));
        assertNull(Scope.parse(":a:pull"));
        assertEquals(2, Scope.parseAll(List.of("repository:a:pull repository:b:push")).size());
    }

    @Test
    void rulesMatchGlobsGroupsAndAnonymous() {
        AccessRules r = new AccessRules(List.of(
                new AccessRules.Rule("team/*", null, java.util.Map.of("alice", List.of("*"), "@ci", List.of("push"))),
                new AccessRules.Rule("pub/**", List.of("pull"), java.util.Map.of("*", List.of("push")))),
                java.util.Map.of("ci", List.of("robot")));
        assertEquals(Set.of("pull", "push", "delete"), r.actions("alice", "team/app"));
        assertEquals(Set.of(), r.actions("alice", "team/app/deeper"), "* stays within one component");
        assertEquals(Set.of("push"), r.actions("robot", "team/x"));
        assertEquals(Set.of(), r.actions(null, "team/x"));
        assertEquals(Set.of("pull"), r.actions(null, "pub/a/b"));
        assertEquals(Set.of("pull", "push"), r.actions("anyone", "pub/a"));
        assertEquals(Set.of(), r.actions("alice", "teamx/app"));
        assertThrows(IllegalArgumentException.class, () -> new AccessRules(List.of(new AccessRules.Rule("x", List.of("write"), null)), null));
        assertThrows(IllegalArgumentException.class, () -> new AccessRules(List.of(new AccessRules.Rule("x", null, java.util.Map.of("@nope", List.of("pull")))), null));
    }

    @Test
    void usersFileHoldsBcryptHashes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("users");
        Users.set(f, "alice", "correct horse", false);
        Users u = new Users(f);
        assertTrue(u.verify("alice", "correct horse"));
        assertFalse(u.verify("alice", "wrong horse"));
        assertFalse(u.verify("bob", "correct horse"));
        assertFalse(u.verify("alice", ""));
        assertThrows(IllegalArgumentException.class, () -> Users.set(f, "alice", "another one", false), "exists");
        assertThrows(IllegalArgumentException.class, () -> Users.set(f, "bad name", "password!", false));
        assertThrows(IllegalArgumentException.class, () -> Users.set(f, "carol", "short", false));
        assertTrue(Files.readString(f).contains("alice:$2b$10$"));
    }

    @Test
    void authFileRejectsUnknownKeysAndBadRules(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.yaml"), "service: reg\nrules:\n  - repositories: \"a/*\"\n    anonymous: [pull]\n");
        AuthConfig c = AuthConfig.load(ok);
        assertEquals("reg", c.service());
        assertEquals(300, c.tokenSeconds());
        Path typo = Files.writeString(dir.resolve("typo.yaml"), "servce: reg\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AuthConfig.load(typo)).getMessage().contains("servce"));
        Path action = Files.writeString(dir.resolve("action.yaml"), "rules:\n  - repositories: x\n    anonymous: [write]\n");
        assertThrows(IllegalArgumentException.class, () -> AuthConfig.load(action));
        Path ttl = Files.writeString(dir.resolve("ttl.yaml"), "tokenSeconds: 999999\n");
        assertThrows(IllegalArgumentException.class, () -> AuthConfig.load(ttl));
        Path realm = Files.writeString(dir.resolve("realm.yaml"), "realm: \"http://x/token\\\"\\r\\nX: y\"\n");
        assertThrows(IllegalArgumentException.class, () -> AuthConfig.load(realm), "a realm that would break the challenge header");
    }
}
