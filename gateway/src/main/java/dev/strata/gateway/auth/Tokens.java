package dev.strata.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Issues and verifies the registry's bearer tokens: ES256 JWTs (Docker token spec) with
 * {@code iss}, {@code sub}, {@code aud} (the service), {@code exp}, {@code nbf}, {@code iat},
 * {@code jti} and the granted {@code access}. Verification accepts only ES256 signed by a known
 * kid, unexpired, for this audience and issuer.
 */
public final class Tokens {
    /** Allowed clock difference for nbf and iat (exp gets none). */
    private static final Duration SKEW = Duration.ofSeconds(30);
    private final TokenKeys keys;
    private final String issuer;
    private final String audience;
    private final Duration lifetime;
    private final Clock clock;

    public Tokens(TokenKeys keys, String issuer, String audience, Duration lifetime, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Duration lifetime() { return lifetime; }

    /** A signed token for {@code subject} (null: anonymous) granting {@code access}. */
    public String issue(String subject, Collection<Scope> access) {
        Instant now = clock.instant();
        List<Map<String, Object>> claim = new ArrayList<>();
        for (Scope s : access) claim.add(s.toClaim());
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", claim);
        if (subject != null) c.subject(subject);
        return sign(c.build());
    }

    /** The claim that marks a refresh token; access tokens never carry it. */
    static final String TOKEN_USE = "token_use";
    /** A refresh token's claim binding it to the user's password (see {@link Users#fingerprint}). */
    static final String CREDENTIAL = "cred";

    /** A verified refresh token: whose it is, and the password fingerprint it was issued for. */
    public record Refresh(String subject, String credential) {}

    private String refreshAudience() {
        return audience + "#refresh";
    }

    /**
     * A signed refresh token (OAuth2 / Docker token spec {@code refresh_token}) for {@code subject},
     * valid for {@code lifetime}, bound to the fingerprint of the user's current password. It grants
     * nothing by itself: its audience differs from the service's, so the gateway refuses it as a
     * bearer token; only the token endpoint takes it, for new access tokens.
     */
    public String issueRefresh(String subject, String credential, Duration refreshLifetime) {
        Instant now = clock.instant();
        JWTClaimsSet c = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(refreshAudience())
                .subject(subject)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(refreshLifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim(TOKEN_USE, "refresh")
                .claim(CREDENTIAL, credential)
                .build();
        return sign(c);
    }

    /** Verifies a refresh token: signature, expiry, issuer, the refresh audience and use. */
    public Refresh verifyRefresh(String token) throws InvalidToken {
        JWTClaimsSet c = verified(token, refreshAudience());
        if (!"refresh".equals(c.getClaim(TOKEN_USE)) || c.getSubject() == null || !(c.getClaim(CREDENTIAL) instanceof String cred)) {
            throw new InvalidToken("not a refresh token");
        }
        return new Refresh(c.getSubject(), cred);
    }

    private String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(keys.signingKid()).build(),
                claims);
        try {
            jwt.sign(new ECDSASigner(keys.signing()));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** Thrown for any token that is not valid here; the message says why (never echoing the token). */
    public static final class InvalidToken extends Exception {
        public InvalidToken(String message) {
            super(message, null, false, false);
        }
    }

    public Caller verify(String token) throws InvalidToken {
        JWTClaimsSet c = verified(token, audience);
        if (c.getClaim(TOKEN_USE) != null) throw new InvalidToken("not an access token");
        return new Caller(c.getSubject(), access(c.getClaim("access")));
    }

    /** Signature by a known kid, ES256, unexpired, for {@code aud} and this issuer: the claims. */
    private JWTClaimsSet verified(String token, String aud) throws InvalidToken {
        if (token == null || token.isEmpty() || token.length() > 8192) throw new InvalidToken("missing or oversized token");
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw new InvalidToken("token is not a signed JWT");
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) throw new InvalidToken("token algorithm must be ES256");
        ECPublicKey key = keys.verification(jwt.getHeader().getKeyID());
        if (key == null) throw new InvalidToken("token signed by an unknown key");
        try {
            if (!jwt.verify(new ECDSAVerifier(key))) throw new InvalidToken("token signature invalid");
        } catch (JOSEException | RuntimeException e) {
            throw new InvalidToken("token signature invalid");
        }
        JWTClaimsSet c;
        try {
            c = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidToken("token claims unreadable");
        }
        Instant now = clock.instant();
        if (c.getExpirationTime() == null || !now.isBefore(c.getExpirationTime().toInstant())) throw new InvalidToken("token expired");
        if (c.getNotBeforeTime() != null && now.plus(SKEW).isBefore(c.getNotBeforeTime().toInstant())) throw new InvalidToken("token not valid yet");
        if (c.getAudience() == null || !c.getAudience().contains(aud)) throw new InvalidToken("token is for another service");
        if (!issuer.equals(c.getIssuer())) throw new InvalidToken("token from another issuer");
        return c;
    }

    private static List<Scope> access(Object claim) throws InvalidToken {
        List<Scope> out = new ArrayList<>();
        if (claim == null) return out;
        if (!(claim instanceof List<?> list)) throw new InvalidToken("token access claim malformed");
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("type") instanceof String t) || !(m.get("name") instanceof String n)
                    || !(m.get("actions") instanceof List<?> acts)) {
                throw new InvalidToken("token access claim malformed");
            }
            LinkedHashSet<String> a = new LinkedHashSet<>();
            for (Object x : acts) if (x instanceof String str) a.add(str);
            out.add(new Scope(t, n, a));
        }
        return out;
    }
}
