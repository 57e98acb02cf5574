package io.distillery.testing;

import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded bad messages for every topic a role reads, each with the reason its reader must give. Ids start
 * with {@code bad-} so tests can tell them from the good records.
 *
 * @param features the configured feature count
 * @param classes the configured class count
 * @param now the wall-clock time the event times are relative to, epoch ms
 */
public record BadMessages(int features, int classes, long now, SplittableRandom random) {
    /** One bad message and the reason it must be rejected for. */
    public record Bad(byte[] value, RejectReason reason) {
    }

    private static final long HOUR = 3_600_000L;

    public static BadMessages seeded(int features, int classes, long now, long seed) {
        return new BadMessages(features, classes, now, new SplittableRandom(seed));
    }

    /** An input record (JSON) that the emitter must refuse; {@code labeledTopic} for the labeled topic. */
    public Bad input(int i, boolean labeledTopic) {
        String id = "\"id\":\"bad-in-" + i + "\"";
        String x = floats(features);
        return switch (random.nextInt(7)) {
            case 0 -> new Bad(garbage('{'), RejectReason.MALFORMED_JSON);
            case 1 -> json("{" + id + ",\"features\":" + floats(features + 1 + random.nextInt(5)) + ",\"label\":1}",
                RejectReason.FEATURE_COUNT);
            case 2 -> json("{" + id + ",\"features\":" + x.replaceFirst("[0-9.E-]+", random.nextBoolean() ? "NaN"
                : "Infinity") + ",\"label\":1}", RejectReason.NON_FINITE);
            case 3 -> json("{" + id + ",\"features\":" + x + ",\"label\":" + (classes + random.nextInt(1000)) + "}",
                RejectReason.LABEL_OUT_OF_RANGE);
            case 4 -> json("{" + id + ",\"ts\":" + (now + HOUR + random.nextLong(HOUR)) + ",\"features\":" + x
                + ",\"label\":1}", RejectReason.FUTURE_EVENT_TIME);
            case 5 -> json("{\"features\":" + x + ",\"label\":1}", RejectReason.MISSING_ID);
            default -> labeledTopic ? json("{" + id + ",\"features\":" + x + "}", RejectReason.MISSING_LABEL)
                : json("{" + id + ",\"ts\":-" + (1 + random.nextInt(1000)) + ",\"features\":" + x + "}",
                    RejectReason.VALUE_OUT_OF_RANGE);
        };
    }

    /** A logits message that the student must refuse. */
    public Bad logits(int i) {
        String id = "bad-logits-" + i;
        float[] x = values(features);
        float[] z = values(classes);
        return switch (random.nextInt(9)) {
            case 0 -> new Bad(garbage((byte) 0x7f), RejectReason.MALFORMED_MESSAGE);
            case 1 -> new Bad(truncated(LogitsCodec.encode(new LogitsMessage(id, now, 1, 1, x, z))),
                RejectReason.MALFORMED_MESSAGE);
            case 2 -> logits(new LogitsMessage(id, now, classes + random.nextInt(1000), 1, x, z),
                RejectReason.LABEL_OUT_OF_RANGE);
            case 3 -> logits(new LogitsMessage(id, now, 1, 1, x, poke(z, Float.NaN)), RejectReason.NON_FINITE);
            case 4 -> logits(new LogitsMessage(id, now, -1, 1, poke(x, Float.NEGATIVE_INFINITY), z),
                RejectReason.NON_FINITE);
            case 5 -> logits(new LogitsMessage(id, now, 1, 1, values(features - 1), z), RejectReason.WRONG_SHAPE);
            case 6 -> logits(new LogitsMessage(id, now + HOUR + random.nextLong(HOUR), 1, 1, x, z),
                RejectReason.FUTURE_EVENT_TIME);
            case 7 -> logits(new LogitsMessage(id, now, 1, -1 - random.nextInt(10), x, z), RejectReason.VALUE_OUT_OF_RANGE);
            default -> logits(new LogitsMessage("", now, 1, 1, x, z), RejectReason.MISSING_ID);
        };
    }

    /** An evaluation that the monitor must refuse. */
    public Bad eval(int i) {
        String id = "bad-eval-" + i;
        return switch (random.nextInt(8)) {
            case 0 -> new Bad(garbage((byte) 0x7f), RejectReason.MALFORMED_MESSAGE);
            case 1 -> new Bad(truncated(EvalCodec.encode(new EvalMessage(id, now, 1, 1, 0, 0, 0, 0.1))),
                RejectReason.MALFORMED_MESSAGE);
            case 2 -> eval(new EvalMessage(id, now, 1, 1, 0, classes + random.nextInt(100), 0, 0.1),
                RejectReason.CLASS_OUT_OF_RANGE);
            case 3 -> eval(new EvalMessage(id, now, 1, 1, classes, 0, 0, 0.1), RejectReason.LABEL_OUT_OF_RANGE);
            case 4 -> eval(new EvalMessage(id, now, 1, 1, 0, 0, 0, random.nextBoolean() ? Double.NaN
                : Double.POSITIVE_INFINITY), RejectReason.NON_FINITE);
            case 5 -> eval(new EvalMessage(id, now, 1, 1, 0, 0, 0, -1 - random.nextDouble()), RejectReason.VALUE_OUT_OF_RANGE);
            case 6 -> eval(new EvalMessage(id, now + HOUR + random.nextLong(HOUR), 1, 1, 0, 0, 0, 0.1),
                RejectReason.FUTURE_EVENT_TIME);
            default -> eval(new EvalMessage(id, -1 - random.nextInt(1000), 1, 1, 0, 0, 0, 0.1),
                RejectReason.VALUE_OUT_OF_RANGE);
        };
    }

    /** A feedback message that the teacher must refuse. */
    public Bad feedback() {
        double[] agreement = new double[classes];
        Arrays.fill(agreement, 0.9);
        long[] counts = new long[classes];
        Arrays.fill(counts, 10);
        return switch (random.nextInt(6)) {
            case 0 -> new Bad(garbage('{'), RejectReason.MALFORMED_MESSAGE);
            case 1 -> json("{\"v\":" + (2 + random.nextInt(100)) + "}", RejectReason.MALFORMED_MESSAGE);
            case 2 -> feedback(window(0, 1, 0.9, new double[classes + 1], new long[classes + 1]), RejectReason.WRONG_SHAPE);
            case 3 -> feedback(window(0, 1, 1 + random.nextDouble() * 100, agreement, counts),
                RejectReason.VALUE_OUT_OF_RANGE);
            case 4 -> feedback(window(0, 1, 0.9, agreement, poke(counts, -1 - random.nextInt(100))),
                RejectReason.VALUE_OUT_OF_RANGE);
            default -> feedback(window(1_000, 10, 0.9, agreement, counts), RejectReason.VALUE_OUT_OF_RANGE);
        };
    }

    /** Random bytes of random length: no snapshot. */
    public byte[] snapshot() {
        byte[] b = new byte[1 + random.nextInt(2048)];
        random.nextBytes(b);
        return b;
    }

    private static FeedbackMessage window(long start, long end, double agreement, double[] perClass, long[] counts) {
        return new FeedbackMessage(start, end, 30, 3, 0.1, agreement, 0.9, 0.9, perClass, counts, List.of());
    }

    private byte[] garbage(char notFirst) {
        return garbage((byte) notFirst);
    }

    private byte[] garbage(byte firstAbove) {
        byte[] b = new byte[1 + random.nextInt(300)];
        random.nextBytes(b);
        b[0] = (byte) (2 + random.nextInt(Math.max(1, firstAbove - 2)));
        return b;
    }

    private byte[] truncated(byte[] valid) {
        return Arrays.copyOf(valid, 1 + random.nextInt(valid.length - 1));
    }

    private float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble();
        }
        return v;
    }

    private String floats(int n) {
        return Arrays.toString(values(n));
    }

    private float[] poke(float[] v, float bad) {
        v[random.nextInt(v.length)] = bad;
        return v;
    }

    private long[] poke(long[] v, long bad) {
        v[random.nextInt(v.length)] = bad;
        return v;
    }

    private static Bad json(String s, RejectReason reason) {
        return new Bad(s.getBytes(StandardCharsets.UTF_8), reason);
    }

    private static Bad logits(LogitsMessage m, RejectReason reason) {
        return new Bad(LogitsCodec.encode(m), reason);
    }

    private static Bad eval(EvalMessage e, RejectReason reason) {
        return new Bad(EvalCodec.encode(e), reason);
    }

    private static Bad feedback(FeedbackMessage f, RejectReason reason) {
        return new Bad(FeedbackCodec.encode(f), reason);
    }
}
