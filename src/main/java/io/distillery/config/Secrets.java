package io.distillery.config;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The one rule for which settings are secrets: a secret is never printed (it shows as {@link #MASK})
 * and is left out of the config hash written in snapshot manifests.
 *
 * <p>A key of ours is secret when it is declared with {@link ConfigKey#secret(String, String)}. A
 * {@code kafka.*} key is secret when, with {@code kafka.} removed, Kafka's producer, consumer, admin or
 * Streams config definitions type it {@link ConfigDef.Type#PASSWORD}, either as is or after any leading
 * dotted segments: so the client prefixes ({@code producer.}, {@code consumer.}, {@code admin.},
 * {@code main.consumer.}, {@code restore.consumer.}, {@code global.consumer.}) and the listener prefixes
 * ({@code listener.name.<listener>.<mechanism>.sasl.jaas.config}) hide a password as well. Any other
 * key is not secret. Stateless and thread-safe.
 */
public final class Secrets {
    /** What is printed instead of a secret that has a value. */
    public static final String MASK = "<set>";

    private Secrets() {
    }

    /** Whether the setting of that name is a secret. */
    public static boolean isSecret(String name) {
        if (name.startsWith(Config.KAFKA_PREFIX)) {
            return isKafkaPassword(name.substring(Config.KAFKA_PREFIX.length()));
        }
        ConfigKey key = ConfigKeys.find(name);
        return key != null && key.secret();
    }

    /** The value to show for a setting: {@link #MASK} for a secret with a value, else the value itself. */
    public static String shown(String name, String value) {
        return value != null && isSecret(name) ? MASK : value;
    }

    /** A copy of the values without the secrets, sorted by key: the input of a config hash. */
    public static Map<String, String> without(Map<String, String> values) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (!isSecret(k)) {
                out.put(k, v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private static boolean isKafkaPassword(String kafkaName) {
        Set<String> passwords = KafkaPasswords.NAMES;
        for (int from = 0; from >= 0; from = nextSegment(kafkaName, from)) {
            if (passwords.contains(kafkaName.substring(from))) {
                return true;
            }
        }
        return false;
    }

    private static int nextSegment(String name, int from) {
        int dot = name.indexOf('.', from);
        return dot < 0 ? -1 : dot + 1;
    }

    /** Kafka's password-typed client settings, read once on first use. */
    private static final class KafkaPasswords {
        static final Set<String> NAMES = load();

        private static Set<String> load() {
            Set<String> names = new TreeSet<>();
            for (ConfigDef def : new ConfigDef[] {ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef(), StreamsConfig.configDef()}) {
                def.configKeys().forEach((name, key) -> {
                    if (key.type() == ConfigDef.Type.PASSWORD) {
                        names.add(name);
                    }
                });
            }
            return Collections.unmodifiableSet(names);
        }
    }
}
