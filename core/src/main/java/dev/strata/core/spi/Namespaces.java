package dev.strata.core.spi;

import dev.strata.core.oci.Names;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which namespace a repository counts against for quotas and usage: the longest configured prefix
 * that is the repository or a path-component prefix of it ({@code org/team} for
 * {@code org/team/app}, not for {@code org/teamwork}), else the first path component.
 *
 * @param prefixes configured namespace prefixes, each a valid repository name; at most 1000
 */
public record Namespaces(List<String> prefixes) {
    public static final int MAX_PREFIXES = 1000;

    public Namespaces {
        if (prefixes == null) prefixes = List.of();
        if (prefixes.size() > MAX_PREFIXES) throw new IllegalArgumentException("at most " + MAX_PREFIXES + " namespace prefixes");
        List<String> sorted = new ArrayList<>();
        for (String p : prefixes) {
            try {
                Names.repository(p);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("namespace prefix '" + p + "' is not a valid repository name");
            }
            if (!sorted.contains(p)) sorted.add(p);
        }
        // longest first, so the most specific prefix wins; then by name, for one canonical form
        sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        prefixes = List.copyOf(sorted);
    }

    /** First path component only. */
    public static Namespaces firstComponent() {
        return new Namespaces(List.of());
    }

    /** The namespace of a repository. */
    public String of(String repository) {
        for (String p : prefixes) {
            if (repository.equals(p) || (repository.startsWith(p) && repository.charAt(p.length()) == '/')) return p;
        }
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    /** True when {@code name} is a namespace: a configured prefix, or a name without '/'. */
    public boolean isNamespace(String name) {
        return name.indexOf('/') < 0 || prefixes.contains(name);
    }

    /** The canonical text form (stored with the projection, to notice a change of configuration). */
    public String canonical() {
        return String.join(",", prefixes);
    }
}
