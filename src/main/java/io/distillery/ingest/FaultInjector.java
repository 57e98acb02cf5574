package io.distillery.ingest;

import io.distillery.config.DataSettings;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Breaks a seeded share of generated records, each in one of the ways an input can be bad, taking the
 * ways in turn: to exercise and demonstrate the dead-letter path end to end. Counts what it broke by the
 * reason a validator must give. Not thread-safe.
 */
public final class FaultInjector {
    static final RejectReason[] FAULTS = {RejectReason.MALFORMED_JSON, RejectReason.MISSING_ID,
        RejectReason.FEATURE_COUNT, RejectReason.NON_FINITE, RejectReason.LABEL_OUT_OF_RANGE,
        RejectReason.OVERSIZED};

    private final double rate;
    private final SplittableRandom rng;
    private final InputCodec codec;
    private final DataSettings data;
    private final Map<RejectReason, Long> injected = new EnumMap<>(RejectReason.class);
    private int nextFault;

    /**
     * @param rate share of records to break, in [0, 1]
     */
    public FaultInjector(double rate, long seed, InputCodec codec) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("fault rate must be in [0, 1], was " + rate);
        }
        this.rate = rate;
        this.rng = new SplittableRandom(seed ^ 0xFA017L);
        this.codec = codec;
        this.data = codec.data();
    }

    /** The broken payload for this record, or {@code null} to leave it whole. */
    public byte[] maybeBreak(InputRecord r) {
        if (rate == 0 || rng.nextDouble() >= rate) {
            return null;
        }
        RejectReason fault = FAULTS[nextFault++ % FAULTS.length];
        injected.merge(fault, 1L, Long::sum);
        return switch (fault) {
            case MALFORMED_JSON -> {
                byte[] whole = codec.encode(r);
                yield Arrays.copyOf(whole, whole.length / 2);
            }
            case MISSING_ID -> replaceFirst(codec.encode(r), "\"id\":", "\"name\":");
            case FEATURE_COUNT -> codec.encode(new InputRecord(r.id(), r.ts(),
                Arrays.copyOf(r.features(), r.features().length - 1), r.label()));
            case NON_FINITE -> {
                float[] x = r.features().clone();
                x[rng.nextInt(x.length)] = Float.NaN;
                yield codec.encode(new InputRecord(r.id(), r.ts(), x, r.label()));
            }
            case LABEL_OUT_OF_RANGE -> codec.encode(new InputRecord(r.id(), r.ts(), r.features(),
                data.classes() + rng.nextInt(5)));
            case OVERSIZED -> oversized(r);
            default -> throw new IllegalStateException("no fault for " + fault);
        };
    }

    /** How many records were broken, by the reason a validator must give. */
    public Map<RejectReason, Long> injected() {
        return Map.copyOf(injected);
    }

    private byte[] oversized(InputRecord r) {
        String json = new String(codec.encode(r), StandardCharsets.UTF_8);
        String pad = ",\"padding\":\"" + "x".repeat(data.maxRecordBytes()) + "\"}";
        return (json.substring(0, json.length() - 1) + pad).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] replaceFirst(byte[] payload, String from, String to) {
        String s = new String(payload, StandardCharsets.UTF_8);
        return s.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.UTF_8);
    }
}
