package org.rmqtt.gateway.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;

/**
 * Rules in a subset of Mosquitto's acl_file syntax:
 * <pre>
 * topic read public/#              # before any section: for clients without a user name
 * user alice                       # rules for the user name alice
 * topic readwrite alice/#
 * topic deny alice/secret/#
 * clientid sensor-7                # rules for the client id sensor-7
 * topic write sensors/7/#
 * cn gateway.example.com           # rules for the CN of a verified client certificate
 * topic read #
 * pattern readwrite devices/%c/#   # for every client, %u = user name, %c = client id
 * </pre>
 * {@code topic} without an access means readwrite. A deny that applies wins over any grant;
 * nothing granted is denied. A pattern whose %u or %c stands for a value with {@code +}, {@code #}
 * or {@code /} (or a missing user name) does not apply.
 */
final class Acl {
    enum Access { READ, WRITE, READWRITE, DENY }

    record Rule(Access access, String filter) {
        boolean grants(Access wanted) {
            return access == Access.READWRITE || access == wanted;
        }
    }

    private final List<Rule> anonymous;
    private final Map<String, List<Rule>> users;
    private final Map<String, List<Rule>> clientIds;
    private final Map<String, List<Rule>> commonNames;
    private final List<Rule> patterns;

    private Acl(List<Rule> anonymous, Map<String, List<Rule>> users, Map<String, List<Rule>> clientIds,
                Map<String, List<Rule>> commonNames, List<Rule> patterns) {
        this.anonymous = anonymous;
        this.users = users;
        this.clientIds = clientIds;
        this.commonNames = commonNames;
        this.patterns = patterns;
    }

    static Acl parse(Path file, List<String> lines) {
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new HashMap<>();
        Map<String, List<Rule>> clientIds = new HashMap<>();
        Map<String, List<Rule>> commonNames = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<Rule> section = anonymous;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = indexOfSpace(line);
            String keyword = space < 0 ? line : line.substring(0, space);
            String rest = space < 0 ? "" : line.substring(space).strip();
            switch (keyword) {
                case "user", "clientid", "cn" -> {
                    if (rest.isEmpty()) {
                        throw new AuthFileException(file, i + 1, keyword + " needs a name");
                    }
                    Map<String, List<Rule>> sections = keyword.equals("user") ? users
                            : keyword.equals("clientid") ? clientIds : commonNames;
                    section = sections.computeIfAbsent(rest, k -> new ArrayList<>());
                }
                case "topic" -> section.add(rule(file, i + 1, rest, false));
                case "pattern" -> patterns.add(rule(file, i + 1, rest, true));
                default -> throw new AuthFileException(file, i + 1,
                        "unknown keyword '" + keyword + "' (expected user, clientid, cn, topic or pattern)");
            }
        }
        return new Acl(List.copyOf(anonymous), freeze(users), freeze(clientIds), freeze(commonNames), List.copyOf(patterns));
    }

    private static Map<String, List<Rule>> freeze(Map<String, List<Rule>> sections) {
        Map<String, List<Rule>> copy = new HashMap<>();
        sections.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return Map.copyOf(copy);
    }

    private static Rule rule(Path file, int line, String text, boolean pattern) {
        Access access = Access.READWRITE;
        String filter = text;
        int space = indexOfSpace(text);
        String first = space < 0 ? text : text.substring(0, space);
        switch (first) {
            case "read", "write", "readwrite", "deny" -> {
                access = Access.valueOf(first.toUpperCase(java.util.Locale.ROOT));
                filter = space < 0 ? "" : text.substring(space).strip();
            }
            default -> {
                // no access word: the whole rest is the filter, readwrite
            }
        }
        if (filter.isEmpty()) {
            throw new AuthFileException(file, line, "a rule needs a topic filter");
        }
        String probe = pattern ? filter.replace("%u", "u").replace("%c", "c") : filter;
        try {
            Topics.validateFilter(probe);
        } catch (InvalidTopicException e) {
            throw new AuthFileException(file, line, "'" + filter + "' is not a valid topic filter: " + e.getMessage());
        }
        return new Rule(access, filter);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code who} may publish to the topic name {@code topic}. */
    boolean mayPublish(Identity who, String topic) {
        return decide(who, Access.WRITE, topic, false);
    }

    /**
     * Whether {@code who} may subscribe to {@code filter}: a read rule must cover the whole filter
     * ({@code a/#} covers {@code a/+/b}), and no deny rule may overlap it ({@code #} overlaps a
     * deny of {@code secret/#}, so it is refused).
     */
    boolean maySubscribe(Identity who, String filter) {
        return decide(who, Access.READ, filter, true);
    }

    private boolean decide(Identity who, Access wanted, String topicOrFilter, boolean subscribe) {
        List<Rule> rules = applicable(who);
        for (Rule r : rules) {
            if (r.access() == Access.DENY
                    && (subscribe ? overlap(r.filter(), topicOrFilter) : Topics.matches(r.filter(), topicOrFilter))) {
                return false;
            }
        }
        for (Rule r : rules) {
            if (r.grants(wanted) && Topics.matches(r.filter(), topicOrFilter)) {
                return true;
            }
        }
        return false;
    }

    /** The rules of {@code who}'s sections and the patterns that apply to it, substituted. */
    private List<Rule> applicable(Identity who) {
        List<Rule> rules = new ArrayList<>(who.username() == null ? anonymous : users.getOrDefault(who.username(), List.of()));
        if (who.clientId() != null) {
            rules.addAll(clientIds.getOrDefault(who.clientId(), List.of()));
        }
        if (who.commonName() != null) {
            rules.addAll(commonNames.getOrDefault(who.commonName(), List.of()));
        }
        for (Rule p : patterns) {
            String filter = p.filter();
            if (filter.contains("%u")) {
                if (!safe(who.username())) {
                    continue;
                }
                filter = filter.replace("%u", who.username());
            }
            if (filter.contains("%c")) {
                if (!safe(who.clientId())) {
                    continue;
                }
                filter = filter.replace("%c", who.clientId());
            }
            rules.add(new Rule(p.access(), filter));
        }
        return rules;
    }

    /** A value that may stand in a pattern without widening it. */
    private static boolean safe(String value) {
        return value != null && !value.isEmpty() && value.indexOf('+') < 0 && value.indexOf('#') < 0 && value.indexOf('/') < 0;
    }

    /** Whether some topic name matches both filters. */
    static boolean overlap(String a, String b) {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        boolean dollarX = x[0].startsWith("$");
        boolean dollarY = y[0].startsWith("$");
        if (dollarX != dollarY && (isWildcard(x[0]) || isWildcard(y[0]))) {
            return false; // a leading wildcard never matches a '$' topic
        }
        int i = 0;
        while (i < x.length && i < y.length) {
            if (x[i].equals("#") || y[i].equals("#")) {
                return true;
            }
            if (!x[i].equals("+") && !y[i].equals("+") && !x[i].equals(y[i])) {
                return false;
            }
            i++;
        }
        if (i == x.length && i == y.length) {
            return true;
        }
        // "a/#" matches "a" too
        return i < x.length ? x[i].equals("#") && i == x.length - 1 : y[i].equals("#") && i == y.length - 1;
    }

    private static boolean isWildcard(String level) {
        return level.equals("+") || level.equals("#");
    }
}
