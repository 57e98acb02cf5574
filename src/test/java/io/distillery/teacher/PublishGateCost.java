package io.distillery.teacher;

import io.distillery.config.TeacherGateSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.spec.NetworkSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * What one publish attempt costs the trainer at the default gate settings: {@link PublishGate#admits} with a
 * full window (2000 rows) and the default 784-512-256-10 teacher, published and candidate on DL4J, as the
 * trainer's thread runs it. Prints the median of the rounds in ms. Usage:
 * {@code bench/run io.distillery.teacher.PublishGateCost [rounds]} (default 15).
 */
public final class PublishGateCost {
    private PublishGateCost() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        TeacherGateSettings settings = new TeacherGateSettings(20, 2000, 0.01, 500);
        NetworkSpec spec = new NetworkSpec(784, List.of(512, 256), 10, "relu", "adam", 1e-3, 1);
        Random random = new Random(1);
        try (RoleMetrics metrics = new RoleMetrics()) {
            PublishGate gate = new PublishGate(settings, metrics);
            for (int i = 0; i < settings.windowRows(); i++) {
                float[] x = new float[spec.inputs()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = random.nextFloat();
                }
                gate.hold(x, random.nextInt(spec.outputs()));
            }
            gate.published(1, Network.teacher(spec));
            Network candidate = Network.teacher(new NetworkSpec(784, List.of(512, 256), 10, "relu", "adam", 1e-3, 2));
            double[] ms = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                gate.admits(candidate);
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("publish gate, %d-row window, teacher %s: median %.0f ms per attempt (min %.0f, max %.0f, "
                + "%d rounds)%n", settings.windowRows(), spec.hidden(), ms[rounds / 2], ms[0], ms[rounds - 1], rounds);
        }
    }
}
