package io.distillery.feedback;

import io.distillery.records.EvalMessage;
import io.distillery.records.FeedbackMessage;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The running sums of one window (the aggregate in the window store). Mutable, used by one stream
 * thread; {@link #serde} stores it as version byte 1, the class count, six sums, then per class the
 * count and the agreements.
 */
final class WindowStats {
    private static final byte FORMAT = 1;

    long count;
    long labeled;
    double klSum;
    long agree;
    long studentCorrect;
    long teacherCorrect;
    final long[] classCount;
    final long[] classAgree;

    WindowStats(int classes) {
        classCount = new long[classes];
        classAgree = new long[classes];
    }

    /** Adds one valid evaluation (classes already checked against the class count). */
    WindowStats add(EvalMessage e) {
        count++;
        klSum += e.kl();
        int agreed = e.agree() ? 1 : 0;
        agree += agreed;
        classCount[e.teacherClass()]++;
        classAgree[e.teacherClass()] += agreed;
        if (e.labeled()) {
            labeled++;
            studentCorrect += e.studentClass() == e.label() ? 1 : 0;
            teacherCorrect += e.teacherClass() == e.label() ? 1 : 0;
        }
        return this;
    }

    FeedbackMessage toFeedback(long startMs, long endMs) {
        double[] perClass = new double[classCount.length];
        for (int c = 0; c < perClass.length; c++) {
            perClass[c] = ratio(classAgree[c], classCount[c]);
        }
        return new FeedbackMessage(startMs, endMs, count, labeled, count == 0 ? Double.NaN : klSum / count,
            ratio(agree, count), ratio(studentCorrect, labeled), ratio(teacherCorrect, labeled), perClass,
            classCount, List.of());
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? Double.NaN : (double) part / whole;
    }

    static Serde<WindowStats> serde(int classes) {
        return Serdes.serdeFrom((topic, s) -> s == null ? null : write(s), (topic, b) -> b == null ? null : read(b, classes));
    }

    private static byte[] write(WindowStats s) {
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 6 * 8 + 16 * s.classCount.length).put(FORMAT)
            .putInt(s.classCount.length).putLong(s.count).putLong(s.labeled).putDouble(s.klSum).putLong(s.agree)
            .putLong(s.studentCorrect).putLong(s.teacherCorrect);
        for (int c = 0; c < s.classCount.length; c++) {
            b.putLong(s.classCount[c]).putLong(s.classAgree[c]);
        }
        return b.array();
    }

    private static WindowStats read(byte[] bytes, int classes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            byte version = b.get();
            if (version != FORMAT) {
                throw new SerializationException("unknown window stats format version " + version);
            }
            int stored = b.getInt();
            if (stored != classes) {
                throw new SerializationException("window stats hold " + stored + " classes, data.classes is " + classes);
            }
            WindowStats s = new WindowStats(classes);
            s.count = b.getLong();
            s.labeled = b.getLong();
            s.klSum = b.getDouble();
            s.agree = b.getLong();
            s.studentCorrect = b.getLong();
            s.teacherCorrect = b.getLong();
            for (int c = 0; c < classes; c++) {
                s.classCount[c] = b.getLong();
                s.classAgree[c] = b.getLong();
            }
            return s;
        } catch (BufferUnderflowException e) {
            throw new SerializationException("window stats truncated (" + bytes.length + " bytes)", e);
        }
    }
}
