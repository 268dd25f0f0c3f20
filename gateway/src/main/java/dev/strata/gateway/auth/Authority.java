package dev.strata.gateway.auth;

import dev.strata.core.oci.Names;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the gateway needs for auth: the users, the access rules, and the token issuer and
 * verifier. Pure logic, no HTTP.
 */
public final class Authority {
    /** The registry's own admin endpoints, granted as {@code registry:NAME:*} to the auth file's admins only. */
    public static final Set<String> ADMIN_RESOURCES = Set.of("gc", "quotas");
    private final AuthConfig config;
    private final Users users;
    private final AccessRules rules;
    private final Tokens tokens;

    public Authority(AuthConfig config, Users users, AccessRules rules, Tokens tokens) {
        this.config = config;
        this.users = users;
        this.rules = rules;
        this.tokens = tokens;
    }

    /** Loads the auth file, its users file and its keys (generating the signing key on first start). */
    public static Authority load(Path authFile, Clock clock) {
        AuthConfig c = AuthConfig.load(authFile);
        Path dir = authFile.toAbsolutePath().getParent();
        TokenKeys keys = TokenKeys.loadOrCreate(dir.resolve(c.keys()));
        return new Authority(c, new Users(dir.resolve(c.users())), new AccessRules(c.rules(), c.groups()),
                new Tokens(keys, c.issuer(), c.service(), Duration.ofSeconds(c.tokenSeconds()), clock));
    }

    public AuthConfig config() { return config; }

    public Tokens tokens() { return tokens; }

    public AccessRules rules() { return rules; }

    /** Checks a password (blocking: bcrypt). */
    public boolean authenticate(String user, String password) {
        return users.verify(user, password);
    }

    /** A refresh token for a user who just authenticated (bound to their current password). */
    public String refreshToken(String user) {
        String cred = users.fingerprint(user);
        if (cred == null) throw new IllegalStateException("no user " + user);
        return tokens.issueRefresh(user, cred, Duration.ofSeconds(config.refreshTokenSeconds()));
    }

    /**
     * The user a refresh token stands for, if it is valid and the user still exists with the same
     * password; InvalidToken otherwise (expired, forged, user removed, password changed).
     */
    public String redeem(String refreshToken) throws Tokens.InvalidToken {
        Tokens.Refresh r = tokens.verifyRefresh(refreshToken);
        String now = users.fingerprint(r.subject());
        if (now == null) throw new Tokens.InvalidToken("the refresh token's user no longer exists");
        if (!java.security.MessageDigest.isEqual(now.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                r.credential().getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            throw new Tokens.InvalidToken("the refresh token was revoked: the password changed");
        }
        return r.subject();
    }

    /** The requested scopes cut down to what the rules grant {@code subject} (null: anonymous); empty grants are dropped. */
    public List<Scope> grant(String subject, List<Scope> requested) {
        List<Scope> out = new ArrayList<>();
        for (Scope s : requested) {
            if (s.type().equals("repository")) {
                try {
                    Names.repository(s.name());
                } catch (RuntimeException e) {
                    continue;
                }
                Set<String> allowed = rules.actions(subject, s.name());
                Set<String> granted = new LinkedHashSet<>();
                for (String a : s.actions()) {
                    if (a.equals("*")) granted.addAll(allowed);
                    else if (allowed.contains(a)) granted.add(a);
                }
                if (!granted.isEmpty()) out.add(new Scope("repository", s.name(), granted));
            } else if (s.type().equals("registry") && s.name().equals("catalog") && subject != null) {
                out.add(new Scope("registry", "catalog", Set.of("*")));
            } else if (s.type().equals("registry") && ADMIN_RESOURCES.contains(s.name()) && isAdmin(subject)) {
                out.add(new Scope("registry", s.name(), Set.of("*")));
            }
        }
        return out;
    }

    /** Whether the user may use the registry's admin endpoints (the auth file's {@code admins}). */
    public boolean isAdmin(String subject) {
        return subject != null && config.admins().contains(subject);
    }

    /** Whether the rules let {@code subject} do {@code action} on {@code repository} (catalog filtering, DENIED vs 401). */
    public boolean permits(String subject, String repository, String action) {
        return rules.actions(subject, repository).contains(action);
    }
}
