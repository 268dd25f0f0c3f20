package dev.strata.core.oci;

import java.util.regex.Pattern;

/** The distribution-spec grammar for repository names, tags and references. */
public final class Names {
    private static final String COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
    private static final Pattern NAME = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    /** Longest repository name accepted, as in Distribution. */
    public static final int MAX_NAME_LENGTH = 255;

    private Names() {}

    /** Validates a repository name; NAME_INVALID otherwise. */
    public static String repository(String name) {
        if (name == null || name.isEmpty()) throw OciError.NAME_INVALID.exception("repository name is empty");
        if (name.length() > MAX_NAME_LENGTH) {
            throw OciError.NAME_INVALID.exception("repository name longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw OciError.NAME_INVALID.exception("invalid repository name: " + Digest.truncate(name));
        }
        return name;
    }

    public static boolean isTag(String s) {
        return s != null && TAG.matcher(s).matches();
    }

    /** Validates a tag; MANIFEST_INVALID (TAG_INVALID) otherwise. */
    public static String tag(String s) {
        if (!isTag(s)) throw OciError.TAG_INVALID.exception("invalid tag: " + Digest.truncate(s));
        return s;
    }
}
