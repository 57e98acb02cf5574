package io.distillery.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The members of an ensemble teacher: independently initialized teacher networks (different seeds, maybe
 * different hidden shapes) that train side by side on the same batches and predict together, the mean of
 * their logits. A {@link Network} made by {@link Network#ensemble} holds one and passes each call on to it,
 * so the trainer, the snapshot writer and every reader see one network with one version.
 *
 * <p>Not thread-safe, like the network that owns it.
 */
final class Ensemble {
    private final List<Network> members;

    Ensemble(List<Network> members) {
        if (members.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs at least 2 members, was " + members.size());
        }
        Network first = members.get(0);
        for (Network m : members) {
            if (m.isStudent() || m.isEnsemble()) {
                throw new IllegalArgumentException("ensemble members are plain teachers, was " + m);
            }
            if (m.inputs() != first.inputs() || m.outputs() != first.outputs()) {
                throw new IllegalArgumentException("ensemble members must agree on inputs and outputs: " + first
                    + " and " + m);
            }
        }
        this.members = List.copyOf(members);
    }

    List<Network> members() {
        return members;
    }

    /** The mean of the members' logits. */
    float[][] logits(float[][] rows) {
        return mean(members.stream().map(m -> m.logits(rows)).toList());
    }

    /** The element-wise mean of equally shaped matrices, summed in double precision. */
    static float[][] mean(List<float[][]> parts) {
        float[][] first = parts.get(0);
        float[][] mean = new float[first.length][];
        for (int i = 0; i < first.length; i++) {
            mean[i] = new float[first[i].length];
            for (int j = 0; j < first[i].length; j++) {
                double sum = 0;
                for (float[][] p : parts) {
                    sum += p[i][j];
                }
                mean[i][j] = (float) (sum / parts.size());
            }
        }
        return mean;
    }

    /** One step of every member on the same batch; the mean of their losses before the step. */
    double fitHard(float[][] x, int[] labels) {
        double loss = 0;
        for (Network m : members) {
            loss += m.fitHard(x, labels);
        }
        return loss / members.size();
    }

    void setLearningRate(double lr) {
        members.forEach(m -> m.setLearningRate(lr));
    }

    void resetUpdaterState() {
        members.forEach(Network::resetUpdaterState);
    }

    boolean weightsFinite() {
        return members.stream().allMatch(Network::weightsFinite);
    }

    /** One checkpoint per member, reusing those of {@code into} where they fit. */
    List<Network.Checkpoint> checkpoint(List<Network.Checkpoint> into) {
        List<Network.Checkpoint> out = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            out.add(members.get(i).checkpoint(into != null && into.size() == members.size() ? into.get(i) : null));
        }
        return out;
    }

    void restore(List<Network.Checkpoint> parts) {
        if (parts == null || parts.size() != members.size()) {
            throw new IllegalArgumentException("a checkpoint of another network");
        }
        for (int i = 0; i < members.size(); i++) {
            members.get(i).restore(parts.get(i));
        }
    }

    Ensemble copy() {
        return new Ensemble(members.stream().map(Network::copy).toList());
    }

    /** "ensemble of 2: 784-512-256-10 (seed 1), 784-256-10 (seed 2)". */
    String describe() {
        StringBuilder s = new StringBuilder("ensemble of " + members.size() + ":");
        for (Network m : members) {
            s.append(s.charAt(s.length() - 1) == ':' ? " " : ", ")
                .append(m.spec().describe()).append(" (seed ").append(m.spec().seed()).append(')');
        }
        return s.toString();
    }
}
