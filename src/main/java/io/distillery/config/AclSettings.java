package io.distillery.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Kafka principal of each role, for the ACLs that {@code topics --acls} creates: each snapshot topic
 * writable by its writer alone, every topic readable by the roles that read it. A role whose principal is
 * unset gets no ACLs (an operator may grant its rights another way, or not run it).
 *
 * @param principals role name to principal ({@code User:teacher}), in the order of {@link #KEYS}; unset
 *     roles are absent
 */
public record AclSettings(Map<String, String> principals) {
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z]+:(?!\\*$)\\S.*");
    public static final ConfigKey TEACHER = principalKey("teacher",
        "the teacher (trainer and emitter): reads the input and feedback, writes logits and teacher snapshots");
    public static final ConfigKey STUDENT = principalKey("student",
        "the student: reads logits and teacher snapshots, writes evaluations and student snapshots");
    public static final ConfigKey MONITOR = principalKey("monitor",
        "the monitor: reads evaluations, writes feedback and its Kafka Streams internal topics");
    public static final ConfigKey SERVE = principalKey("serve",
        "serving: reads student snapshots and teacher logits (to score versions)");
    public static final ConfigKey PRODUCE = principalKey("produce", "produce: writes the input topics");
    public static final List<ConfigKey> KEYS = List.of(TEACHER, STUDENT, MONITOR, SERVE, PRODUCE);

    public AclSettings {
        principals.forEach((role, principal) -> {
            if (!PRINCIPAL.matcher(principal).matches()) {
                throw ConfigException.invalid("acl.principal." + role, principal,
                    "must be a Kafka principal TYPE:NAME such as User:" + role);
            }
        });
        principals = Collections.unmodifiableMap(new LinkedHashMap<>(principals));
    }

    public static AclSettings from(Config c) {
        Map<String, String> m = new LinkedHashMap<>();
        for (ConfigKey k : KEYS) {
            String v = c.get(k);
            if (v != null && !v.isBlank()) {
                m.put(role(k), v.strip());
            }
        }
        return new AclSettings(m);
    }

    /** The role a principal key belongs to: {@code acl.principal.teacher} gives {@code teacher}. */
    public static String role(ConfigKey key) {
        return key.name().substring("acl.principal.".length());
    }

    private static ConfigKey principalKey(String role, String what) {
        return new ConfigKey("acl.principal." + role, null,
            "Kafka principal (User:NAME) of " + what + "; used by topics --acls");
    }
}
