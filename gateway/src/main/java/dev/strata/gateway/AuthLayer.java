package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.gateway.auth.Authority;
import dev.strata.gateway.auth.Caller;
import dev.strata.gateway.auth.Scope;
import dev.strata.gateway.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Token auth in front of the /v2/ routes (Docker token spec): every request must carry a valid
 * bearer token whose access claim covers the action; otherwise 401 with a
 * {@code WWW-Authenticate: Bearer realm=...,service=...,scope=...} challenge, or 403 DENIED when
 * the rules will never grant it to this user. Also serves the token endpoint at {@value #TOKEN_PATH}.
 */
final class AuthLayer {
    static final String TOKEN_PATH = "/token";
    private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,260}");
    private final Services s;
    private final Authority authority;

    AuthLayer(Services s) {
        this.s = s;
        this.authority = s.authority();
    }

    /**
     * The caller of a request that needs {@code action} on repository {@code name}; with a null
     * name any valid token will do (the version check, the catalog).
     */
    Caller authorize(HttpServerRequest req, String name, String action) {
        String scope = name == null ? null : "repository:" + name + ":" + (Scope.PUSH.equals(action) ? "pull,push" : action);
        Caller caller = bearer(req, scope);
        if (name == null || caller.allows("repository", name, action)) return caller;
        if (caller.subject() != null && !authority.permits(caller.subject(), name, action)) {
            throw OciError.DENIED.exception("user " + caller.subject() + " may not " + action + " " + name);
        }
        throw challenge(req, scope, "insufficient_scope", "the token does not grant " + action + " on " + name);
    }

    /**
     * For the registry's own admin endpoints (e.g. {@code /strata/v1/gc}): the token must grant
     * {@code registry:RESOURCE:*}, which the token endpoint gives only to the auth file's admins.
     */
    Caller authorizeAdmin(HttpServerRequest req, String resource) {
        String scope = "registry:" + resource + ":*";
        Caller caller = bearer(req, scope);
        if (caller.allows("registry", resource, "*")) return caller;
        if (caller.subject() != null && !authority.isAdmin(caller.subject())) {
            throw OciError.DENIED.exception("user " + caller.subject() + " is not an admin");
        }
        throw challenge(req, scope, "insufficient_scope", "the token does not grant " + scope);
    }

    /** The verified caller of the request's bearer token; 401 with a challenge for {@code scope} when missing or invalid. */
    private Caller bearer(HttpServerRequest req, String scope) {
        String h = req.getHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) throw challenge(req, scope, null, "authentication required");
        try {
            return authority.tokens().verify(h.substring(7).trim());
        } catch (Tokens.InvalidToken e) {
            throw challenge(req, scope, "invalid_token", e.getMessage());
        }
    }

    private OciException challenge(HttpServerRequest req, String scope, String error, String message) {
        StringBuilder c = new StringBuilder("Bearer realm=\"").append(realm(req)).append("\",service=\"")
                .append(authority.config().service()).append('"');
        if (scope != null) c.append(",scope=\"").append(scope).append('"');
        if (error != null) c.append(",error=\"").append(error).append('"');
        req.response().putHeader("WWW-Authenticate", c.toString());
        return OciError.UNAUTHORIZED.exception(message);
    }

    private String realm(HttpServerRequest req) {
        if (authority.config().realm() != null) return authority.config().realm();
        String host = req.authority() == null ? null : req.authority().toString();
        if (host == null || !SAFE_HOST.matcher(host).matches()) host = s.config().host() + ":" + req.localAddress().port();
        return (req.isSSL() ? "https://" : "http://") + host + TOKEN_PATH;
    }

    // ---- the token endpoint

    /**
     * GET with optional Basic auth ({@code offline_token=true} adds a refresh token), or the OAuth2
     * POST form: {@code grant_type=password} ({@code access_type=offline} adds a refresh token) or
     * {@code grant_type=refresh_token}.
     */
    void token(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET) {
            String service = req.getParam("service");
            List<Scope> scopes = Scope.parseAll(req.params().getAll("scope"));
            String[] basic = basic(req.getHeader("Authorization"));
            issue(req, service, scopes, basic == null ? null : basic[0], basic == null ? null : basic[1], false,
                    "true".equals(req.getParam("offline_token")));
        } else if (req.method() == HttpMethod.POST) {
            form(req).onSuccess(f -> {
                String grant = f.get("grant_type");
                if ("refresh_token".equals(grant)) {
                    refresh(req, f);
                    return;
                }
                if (!"password".equals(grant)) {
                    oauthError(req, "unsupported_grant_type", "grant_type must be password or refresh_token");
                    return;
                }
                String user = f.get("username");
                if (user == null || user.isEmpty()) {
                    oauthError(req, "invalid_request", "username and password are required");
                    return;
                }
                issue(req, f.get("service"), Scope.parseAll(f.getAll("scope")), user, f.get("password"), true,
                        "offline".equals(f.get("access_type")));
            }).onFailure(t -> Http.fail(req, t));
        } else {
            throw OciError.UNSUPPORTED.exception("the token endpoint takes GET or POST");
        }
    }

    private static void oauthError(HttpServerRequest req, String error, String description) {
        Http.json(req.response(), 400, "application/json", Map.of("error", error, "error_description", description));
    }

    /** grant_type=refresh_token: a new access token for the refresh token's user, if it is still valid. */
    private void refresh(HttpServerRequest req, MultiMap f) {
        String refresh = f.get("refresh_token");
        String service = f.get("service");
        if (refresh == null || refresh.isEmpty()) {
            oauthError(req, "invalid_request", "refresh_token is required");
            return;
        }
        if (service != null && !service.equals(authority.config().service())) {
            oauthError(req, "invalid_request", "this token endpoint serves " + authority.config().service());
            return;
        }
        List<Scope> scopes = Scope.parseAll(f.getAll("scope"));
        if (scopes.size() > 100) {
            oauthError(req, "invalid_scope", "too many scopes");
            return;
        }
        s.blocking(() -> {
            try {
                return authority.redeem(refresh);
            } catch (Tokens.InvalidToken e) {
                return null;
            }
        }).onSuccess(user -> {
            if (user == null) {
                oauthError(req, "invalid_grant", "the refresh token is invalid, expired or revoked");
                return;
            }
            respond(req, authority.tokens().issue(user, authority.grant(user, scopes)), scopes, true, refresh);
        }).onFailure(t -> Http.fail(req, t));
    }

    private void issue(HttpServerRequest req, String service, List<Scope> scopes, String user, String password, boolean oauth,
                       boolean offline) {
        if (service != null && !service.equals(authority.config().service())) {
            throw OciError.UNAUTHORIZED.exception("this token endpoint serves " + authority.config().service());
        }
        if (scopes.size() > 100) throw OciError.UNAUTHORIZED.exception("too many scopes");
        s.blocking(() -> {
            if (user != null && !authority.authenticate(user, password)) {
                req.response().putHeader("WWW-Authenticate", "Basic realm=\"" + authority.config().service() + "\"");
                throw OciError.UNAUTHORIZED.exception("invalid username or password");
            }
            String token = authority.tokens().issue(user, authority.grant(user, scopes));
            // a refresh token only for a user who logged in (never for anonymous)
            return new String[] {token, offline && user != null ? authority.refreshToken(user) : null};
        }).onSuccess(t -> respond(req, t[0], scopes, oauth, t[1])).onFailure(t -> Http.fail(req, t));
    }

    private void respond(HttpServerRequest req, String token, List<Scope> scopes, boolean oauth, String refreshToken) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("access_token", token);
        body.put("expires_in", authority.tokens().lifetime().toSeconds());
        body.put("issued_at", Instant.now().toString());
        if (oauth) body.put("scope", String.join(" ", scopes.stream().map(Scope::toString).toList()));
        if (refreshToken != null) body.put("refresh_token", refreshToken);
        req.response().putHeader("Cache-Control", "no-store");
        Http.json(req.response(), 200, "application/json", body);
    }

    /** user and password from a Basic Authorization header; null when absent; UNAUTHORIZED when malformed. */
    static String[] basic(String h) {
        if (h == null) return null;
        if (!h.regionMatches(true, 0, "Basic ", 0, 6)) throw OciError.UNAUTHORIZED.exception("the token endpoint takes Basic credentials");
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OciError.UNAUTHORIZED.exception("malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) throw OciError.UNAUTHORIZED.exception("malformed Basic credentials");
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static Future<MultiMap> form(HttpServerRequest req) {
        Promise<MultiMap> p = Promise.promise();
        if (req.isEnded()) {
            p.complete(MultiMap.caseInsensitiveMultiMap());
            return p.future();
        }
        req.setExpectMultipart(true);
        req.exceptionHandler(p::tryFail);
        req.endHandler(v -> p.tryComplete(req.formAttributes()));
        req.resume();
        return p.future();
    }
}
