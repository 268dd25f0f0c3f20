package dev.strata.gateway.auth;

import dev.strata.core.util.Pem;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token signing key and every verification key, from a directory of PEM files.
 * {@code signing.pem} holds the EC P-256 private key that signs new tokens; it is generated (with
 * Bouncy Castle) on first start when absent. Every other {@code *.pem} (public or private key)
 * is a verification key only: to rotate, move signing.pem to e.g. {@code old-2026-11.pem} and
 * restart; tokens signed by the old key stay valid until they expire. Each key is named by its
 * kid, the RFC 7638 JWK thumbprint of its public key.
 */
public final class TokenKeys {
    private static final Logger LOG = LoggerFactory.getLogger(TokenKeys.class);
    public static final String SIGNING = "signing.pem";

    private final ECPrivateKey signing;
    private final String signingKid;
    private final Map<String, ECPublicKey> verification;

    private TokenKeys(ECPrivateKey signing, String signingKid, Map<String, ECPublicKey> verification) {
        this.signing = signing;
        this.signingKid = signingKid;
        this.verification = Map.copyOf(verification);
    }

    public static TokenKeys loadOrCreate(Path dir) {
        try {
            Files.createDirectories(dir);
            Path signingFile = dir.resolve(SIGNING);
            if (!Files.exists(signingFile)) {
                KeyPair kp = Pem.generateP256();
                Pem.write(signingFile, true, kp.getPrivate());
                LOG.info("generated token signing key {} (kid {})", signingFile, kid(Pem.jca(kp.getPublic())));
            }
            KeyPair s = Pem.readKey(signingFile);
            if (s.getPrivate() == null) throw new IllegalArgumentException(signingFile + " must hold a private key");
            ECPublicKey sp = (ECPublicKey) s.getPublic();
            Map<String, ECPublicKey> all = new LinkedHashMap<>();
            all.put(kid(sp), sp);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.pem")) {
                for (Path p : ds) {
                    if (p.getFileName().toString().equals(SIGNING)) continue;
                    ECPublicKey pub = (ECPublicKey) Pem.readKey(p).getPublic();
                    all.put(kid(pub), pub);
                }
            }
            return new TokenKeys((ECPrivateKey) s.getPrivate(), kid(sp), all);
        } catch (IOException e) {
            throw new UncheckedIOException("token keys in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** For tests and embedding: keys given directly. */
    public static TokenKeys of(KeyPair signing, ECPublicKey... moreVerification) {
        ECPublicKey sp = (ECPublicKey) signing.getPublic();
        Map<String, ECPublicKey> all = new LinkedHashMap<>();
        all.put(kid(sp), sp);
        for (ECPublicKey k : moreVerification) all.put(kid(k), k);
        return new TokenKeys((ECPrivateKey) signing.getPrivate(), kid(sp), all);
    }

    public static String kid(ECPublicKey k) {
        try {
            return new ECKey.Builder(Curve.P_256, k).build().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    ECPrivateKey signing() { return signing; }

    public String signingKid() { return signingKid; }

    /** The verification key with this kid, or null. */
    ECPublicKey verification(String kid) {
        return kid == null ? null : verification.get(kid);
    }

    public int verificationKeys() { return verification.size(); }
}
