package dev.strata.gateway.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One entry of a token's {@code access} claim, and the {@code scope} parameter of the Docker token
 * spec: {@code repository:team/app:pull,push} or {@code registry:catalog:*}.
 */
public record Scope(String type, String name, Set<String> actions) {
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final Set<String> ACTIONS = Set.of(PULL, PUSH, DELETE);

    public Scope {
        actions = Collections.unmodifiableSet(new LinkedHashSet<>(actions));
    }

    /** Parses {@code type:name:actions}; null when malformed. A resource class ({@code repository(plugin)}) is dropped. */
    public static Scope parse(String s) {
        if (s == null || s.length() > 1024) return null;
        int first = s.indexOf(':');
        int last = s.lastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == s.length() - 1) return null;
        String type = s.substring(0, first);
        int paren = type.indexOf('(');
        if (paren > 0 && type.endsWith(")")) type = type.substring(0, paren);
        Set<String> actions = new LinkedHashSet<>();
        for (String a : s.substring(last + 1).split(",")) {
            if (!a.isBlank()) actions.add(a.trim());
        }
        if (actions.isEmpty()) return null;
        return new Scope(type, s.substring(first + 1, last), actions);
    }

    /** All scopes in the given parameter values; each value may hold several, separated by spaces (OAuth2 form). */
    public static List<Scope> parseAll(List<String> values) {
        List<Scope> out = new ArrayList<>();
        for (String v : values) {
            for (String one : v.trim().split(" +")) {
                Scope sc = parse(one);
                if (sc != null) out.add(sc);
            }
        }
        return out;
    }

    /** As the token's access claim entry. */
    public Map<String, Object> toClaim() {
        return Map.of("type", type, "name", name, "actions", List.copyOf(actions));
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
