package io.distillery.config;

import io.distillery.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The teacher as an ensemble: how many members train side by side and their hidden shapes. Member {@code i}
 * has the teacher's spec with seed {@code teacher.seed + i} and the {@code i}-th hidden shape (cycling), or
 * {@code teacher.hidden} when no shapes are given. One member is the plain teacher.
 *
 * @param members number of members, in [1, {@value #MAX_MEMBERS}]
 * @param hidden  hidden shapes of the members, each a list of widths; empty for {@code teacher.hidden}
 */
public record EnsembleSettings(int members, List<List<Integer>> hidden) {
    /** As many as an ensemble's snapshot may hold. */
    public static final int MAX_MEMBERS = 16;
    public static final ConfigKey MEMBERS = new ConfigKey("teacher.ensemble", "1",
        "members of the teacher ensemble, trained side by side with seeds teacher.seed + i; the teacher predicts "
            + "the mean of their logits (1 = a single teacher)");
    public static final ConfigKey HIDDEN = new ConfigKey("teacher.ensemble.hidden", "",
        "hidden shapes of the ensemble's members, ';'-separated lists of comma-separated widths, used in turn "
            + "(e.g. 512,256;256); empty = teacher.hidden for every member");
    public static final List<ConfigKey> KEYS = List.of(MEMBERS, HIDDEN);

    public EnsembleSettings {
        if (members < 1 || members > MAX_MEMBERS) {
            throw ConfigException.invalid(MEMBERS.name(), members, "must be in [1, " + MAX_MEMBERS + "]");
        }
        hidden = hidden.stream().map(List::copyOf).toList();
        for (List<Integer> shape : hidden) {
            for (int width : shape) {
                Checks.positive(HIDDEN, width);
            }
        }
    }

    public static EnsembleSettings from(Config c) {
        String text = c.get(HIDDEN) == null ? "" : c.get(HIDDEN).strip();
        List<List<Integer>> shapes = new ArrayList<>();
        if (!text.isEmpty()) {
            for (String shape : text.split(";")) {
                try {
                    shapes.add(Arrays.stream(shape.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .map(Integer::valueOf).toList());
                } catch (NumberFormatException e) {
                    throw ConfigException.invalid(HIDDEN.name(), text, "must be ';'-separated lists of integers");
                }
            }
        }
        return new EnsembleSettings(c.getInt(MEMBERS), shapes);
    }

    /** The members' specs, from the teacher's. */
    public List<NetworkSpec> specs(NetworkSpec teacher) {
        List<NetworkSpec> specs = new ArrayList<>(members);
        for (int i = 0; i < members; i++) {
            List<Integer> shape = hidden.isEmpty() ? teacher.hidden() : hidden.get(i % hidden.size());
            specs.add(new NetworkSpec(teacher.inputs(), shape, teacher.outputs(), teacher.activation(),
                teacher.updater(), teacher.learningRate(), teacher.seed() + i));
        }
        return specs;
    }
}
