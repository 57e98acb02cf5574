package io.distillery.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of the quality benchmarks ({@link QualityRun}, {@code DistillLab}): seeds (0 and 1 when none are
 * given), {@code key=value} settings of the roles, and the benchmark's own {@code --name[=value]} options.
 *
 * @param seeds    the seeds, in order
 * @param settings configuration keys and their values
 * @param options  the {@code --} options by name, {@code ""} for a flag without a value
 */
public record QualityArgs(List<Long> seeds, Map<String, String> settings, Map<String, String> options) {

    /**
     * Parses {@code args}.
     *
     * @param known the option names the benchmark takes; any other {@code --} option is refused
     * @throws IllegalArgumentException on an unknown option or an argument that is neither a seed nor a setting
     */
    public static QualityArgs parse(String[] args, Set<String> known) {
        List<Long> seeds = new ArrayList<>();
        Map<String, String> settings = new HashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (String a : args) {
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name + "; options: " + known);
                }
                options.put(name, eq < 0 ? "" : a.substring(eq + 1));
            } else if (a.contains("=")) {
                settings.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                try {
                    seeds.add(Long.parseLong(a));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a seed, a key=value setting or an option: " + a, e);
                }
            }
        }
        return new QualityArgs(seeds.isEmpty() ? List.of(0L, 1L) : List.copyOf(seeds), settings, options);
    }

    /** The value of option {@code name}, or {@code otherwise} when it was not given. */
    public String option(String name, String otherwise) {
        return options.getOrDefault(name, otherwise);
    }

    /** Whether option {@code name} was given. */
    public boolean has(String name) {
        return options.containsKey(name);
    }
}
