package dev.strata.gateway.auth;

import java.util.List;

/**
 * Who sent a request, as proven by a verified token: the subject (null for an anonymous token) and
 * the access the token grants.
 */
public record Caller(String subject, List<Scope> access) {
    /** The caller when auth is off: everything is allowed. */
    public static final Caller UNRESTRICTED = new Caller("(auth off)", null);

    public Caller {
        access = access == null ? null : List.copyOf(access);
    }

    /** Whether the token grants {@code action} on the resource. */
    public boolean allows(String type, String name, String action) {
        if (access == null) return true;
        for (Scope s : access) {
            if (s.type().equals(type) && s.name().equals(name) && (s.actions().contains(action) || s.actions().contains("*"))) return true;
        }
        return false;
    }

    public boolean unrestricted() {
        return access == null;
    }
}
