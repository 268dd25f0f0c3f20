package dev.strata.gateway.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what on which repositories: rules of repository-name patterns ({@code *} matches
 * within one path component, {@code **} across components) granting pull, push and delete to
 * users, to groups ({@code @name}), to every authenticated user ({@code *}), and to anonymous
 * callers. Actions of every matching rule add up; nothing is granted otherwise.
 */
public final class AccessRules {
    /** One rule: a repository pattern, actions granted to anonymous callers, and to principals. */
    public record Rule(String repositories, List<String> anonymous, Map<String, List<String>> grant) {}

    private record Compiled(Pattern pattern, Set<String> anonymous, Map<String, Set<String>> grant) {}

    private final List<Compiled> rules = new ArrayList<>();
    private final Map<String, List<String>> groups;

    public AccessRules(List<Rule> rules, Map<String, List<String>> groups) {
        this.groups = groups == null ? Map.of() : Map.copyOf(groups);
        for (Rule r : rules == null ? List.<Rule>of() : rules) {
            if (r.repositories() == null || r.repositories().isBlank()) throw new IllegalArgumentException("a rule needs a repositories pattern");
            Map<String, Set<String>> grant = new java.util.LinkedHashMap<>();
            if (r.grant() != null) {
                r.grant().forEach((who, actions) -> {
                    if (who.startsWith("@") && !this.groups.containsKey(who.substring(1))) {
                        throw new IllegalArgumentException("rule " + r.repositories() + " grants to unknown group " + who);
                    }
                    grant.put(who, actions(actions, r.repositories()));
                });
            }
            this.rules.add(new Compiled(compile(r.repositories()), actions(r.anonymous(), r.repositories()), grant));
        }
    }

    private static Set<String> actions(List<String> actions, String where) {
        Set<String> out = new LinkedHashSet<>();
        for (String a : actions == null ? List.<String>of() : actions) {
            if (a.equals("*")) out.addAll(List.of(Scope.PULL, Scope.PUSH, Scope.DELETE));
            else if (Scope.ACTIONS.contains(a)) out.add(a);
            else throw new IllegalArgumentException("rule " + where + ": unknown action '" + a + "' (pull, push, delete or *)");
        }
        return out;
    }

    static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** The actions {@code subject} (null: anonymous) may perform on {@code repository}. */
    public Set<String> actions(String subject, String repository) {
        Set<String> out = new LinkedHashSet<>();
        for (Compiled r : rules) {
            if (!r.pattern().matcher(repository).matches()) continue;
            out.addAll(r.anonymous());
            if (subject == null) continue;
            r.grant().forEach((who, actions) -> {
                if (who.equals("*") || who.equals(subject) || (who.startsWith("@") && groups.get(who.substring(1)).contains(subject))) {
                    out.addAll(actions);
                }
            });
        }
        return out;
    }
}
