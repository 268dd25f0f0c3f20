package dev.strata.gateway.auth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The auth file of {@code strata serve --auth FILE} (YAML; unknown keys are rejected). Relative
 * paths are resolved against the file's directory. See docs/security.md.
 *
 * @param service      the token audience, sent as {@code service} in the challenge (default {@code strata})
 * @param issuer       the tokens' {@code iss} (default {@code strata})
 * @param realm        the token endpoint URL in the challenge; default: {@code /token} on the
 *                     scheme and Host the client used
 * @param tokenSeconds token lifetime, 10..3600 (default 300)
 * @param refreshTokenSeconds lifetime of refresh tokens ({@code offline_token=true},
 *                     {@code access_type=offline}), 60..7776000 (90 days; default 604800, 7 days)
 * @param users        the users file (default {@code users})
 * @param keys         directory of token keys (default {@code keys}); see {@link TokenKeys}
 * @param admins       users who may call the admin endpoints (e.g. {@code POST /strata/v1/gc})
 * @param groups       group name → member user names
 * @param rules        access rules; see {@link AccessRules}
 */
public record AuthConfig(String service, String issuer, String realm, Integer tokenSeconds, Integer refreshTokenSeconds, String users, String keys,
                         List<String> admins, Map<String, List<String>> groups, List<AccessRules.Rule> rules) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public AuthConfig {
        service = service == null ? "strata" : service;
        issuer = issuer == null ? "strata" : issuer;
        tokenSeconds = tokenSeconds == null ? 300 : tokenSeconds;
        refreshTokenSeconds = refreshTokenSeconds == null ? 604_800 : refreshTokenSeconds;
        users = users == null ? "users" : users;
        keys = keys == null ? "keys" : keys;
        admins = admins == null ? List.of() : List.copyOf(admins);
        groups = groups == null ? Map.of() : Map.copyOf(groups);
        rules = rules == null ? List.of() : List.copyOf(rules);
        if (!service.matches("[A-Za-z0-9._:-]{1,128}")) throw new IllegalArgumentException("auth service must be 1..128 of [A-Za-z0-9._:-]");
        if (!issuer.matches("[A-Za-z0-9._:/-]{1,256}")) throw new IllegalArgumentException("auth issuer must be 1..256 of [A-Za-z0-9._:/-]");
        if (realm != null && !realm.matches("https?://[A-Za-z0-9._:\\[\\]/%-]+")) throw new IllegalArgumentException("auth realm must be an http(s) URL");
        if (tokenSeconds < 10 || tokenSeconds > 3600) throw new IllegalArgumentException("auth tokenSeconds must be 10..3600");
        if (refreshTokenSeconds < 60 || refreshTokenSeconds > 7_776_000) {
            throw new IllegalArgumentException("auth refreshTokenSeconds must be 60..7776000 (90 days)");
        }
    }

    public static AuthConfig load(Path file) {
        try {
            AuthConfig c = YAML.readValue(Files.readAllBytes(file), AuthConfig.class);
            if (c == null) throw new IllegalArgumentException("auth file " + file + " is empty");
            new AccessRules(c.rules(), c.groups()); // validates
            return c;
        } catch (IOException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("auth file " + file + ": " + msg, e);
        }
    }
}
