package io.distillery.bench;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.model.Network;
import java.util.SplittableRandom;

/**
 * Cost per prediction of the default teacher (784-512-256-10) and student (784-128-10), one row and
 * batches of 128, in microseconds per row: what distillation buys at serving time. The weights do not
 * change the cost, so fresh networks are measured. Usage: {@code bench/run PredictionCost}.
 */
public final class PredictionCost {
    public static void main(String[] args) {
        Network teacher = Network.teacher(TeacherSettings.from(Config.defaults()).network());
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network student = Network.student(ss.network(), ss.distillation());
        SplittableRandom r = new SplittableRandom(1);
        float[][] rows = new float[128][784];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) r.nextDouble();
            }
        }
        double t1 = BenchRun.microsPerRow(teacher, rows, 1);
        double s1 = BenchRun.microsPerRow(student, rows, 1);
        double t128 = BenchRun.microsPerRow(teacher, rows, 128);
        double s128 = BenchRun.microsPerRow(student, rows, 128);
        System.out.println("| network | µs per row, 1 row per call | µs per row, 128 rows per call |");
        System.out.println("|---|---|---|");
        System.out.printf("| teacher %s | %.0f | %.1f |%n", teacher.spec().describe(), t1, t128);
        System.out.printf("| student %s | %.0f | %.1f |%n", student.spec().describe(), s1, s128);
        System.out.printf("| teacher / student | %.1f× | %.1f× |%n", t1 / s1, t128 / s128);
    }
}
