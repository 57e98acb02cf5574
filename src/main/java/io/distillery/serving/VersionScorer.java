package io.distillery.serving;

import io.distillery.config.PromotionSettings;
import io.distillery.model.LogitMath;
import io.distillery.model.RowMajor;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the served, previous and candidate student versions on the same rows, and promotes, refuses or
 * rolls back as the {@link PromotionPolicy} decides.
 *
 * <p>Rows come from two sources. A sample of {@code distill.teacher.logits} (chosen by a hash of the record
 * id, so replicas score the same rows): each version's answer is compared with the teacher's class and, on
 * labeled rows, with the label; only the agreement with the teacher decides. And a sample of live infer
 * requests, queued by {@link #shadow} on the request thread (bounded: a full queue drops and counts) and
 * answered here, off that thread, by the candidate and previous versions: their agreement with the served
 * answer is reported, never returned to a client.
 *
 * <p>Threading: {@link #onRecords} runs on the teacher-logits follower's thread, which does all scoring
 * and deciding; {@link #shadow} is called by request threads and never blocks. Memory is bounded by the
 * windows ({@code serve.promotion.rows} rows each) and the shadow queue.
 */
final class VersionScorer {
    private static final Logger LOG = LoggerFactory.getLogger(VersionScorer.class);
    /** Rows of one request kept for its shadow answers (the rest are not shadowed). */
    static final int SHADOW_ROWS = 64;

    /** Rows of one sampled request and the class the served version answered for each. */
    private record Shadowed(long servedVersion, float[][] rows, int[] served) {
    }

    private final PromotionSettings settings;
    private final ModelRegistry registry;
    private final ServeMetrics metrics;
    private final Clock clock;
    private final int features;
    private final int classes;
    private final PromotionPolicy policy;
    private final RowWindow agreement;
    private final RowWindow accuracy;
    private final RowWindow shadowAgreement;
    private final BlockingQueue<Shadowed> shadowQueue;
    private volatile Map<String, Map<String, Double>> scores = Map.of();

    VersionScorer(PromotionSettings settings, ModelRegistry registry, ServeMetrics metrics, Clock clock, int features,
                  int classes) {
        this.settings = settings;
        this.registry = registry;
        this.metrics = metrics;
        this.clock = clock;
        this.features = features;
        this.classes = classes;
        this.policy = new PromotionPolicy(settings.rows(), settings.tolerance(), settings.rollbackThreshold());
        this.agreement = new RowWindow(settings.rows());
        this.accuracy = new RowWindow(settings.rows());
        this.shadowAgreement = new RowWindow(settings.rows());
        this.shadowQueue = new ArrayBlockingQueue<>(settings.shadowQueue());
    }

    /**
     * Queues a sampled share of infer requests for shadow answers. Called on the request thread after the
     * answer is computed; never blocks, never throws.
     *
     * @param values the request's rows, row-major, {@code features} values each (the first rows of a sampled request
     *     are copied); {@code servedLogits} has one row per request row
     */
    void shadow(long servedVersion, float[] values, int features, float[][] servedLogits) {
        if (settings.shadowSample() <= 0 || ThreadLocalRandom.current().nextDouble() >= settings.shadowSample()) {
            return;
        }
        int n = Math.min(servedLogits.length, SHADOW_ROWS);
        int[] served = new int[n];
        for (int i = 0; i < n; i++) {
            served[i] = LogitMath.argmax(servedLogits[i]);
        }
        if (!shadowQueue.offer(new Shadowed(servedVersion, RowMajor.split(values, features, n), served))) {
            metrics.shadowDropped();
        }
    }

    /** Whether a record of this key is in the scored sample: a hash of the key, the same on every replica. */
    boolean sampled(byte[] key) {
        long h = (Arrays.hashCode(key) & 0xffffffffL) * 0x9E3779B97F4A7C15L;
        return (h >>> 11) * 0x1.0p-53 < settings.scoreSample();
    }

    /** One poll of {@code distill.teacher.logits}: scores the sampled rows and the queued shadow requests. */
    void onRecords(List<ConsumerRecord<byte[], byte[]>> records, boolean caughtUp) {
        ModelRegistry.Lineup lineup = registry.lineup();
        if (lineup.served() == null) {
            shadowQueue.clear();
            return;
        }
        List<ServedModel> models = new ArrayList<>(3);
        for (ServedModel m : new ServedModel[] {lineup.served(), lineup.previous(), lineup.candidate()}) {
            if (m != null) {
                models.add(m);
            }
        }
        int teacherRows = scoreTeacherRows(records, models);
        int shadowRows = scoreShadowed(lineup.served().version(), models);
        metrics.scored(teacherRows, shadowRows);
        publishScores(lineup);
        decide();
    }

    private int scoreTeacherRows(List<ConsumerRecord<byte[], byte[]>> records, List<ServedModel> models) {
        List<LogitsMessage> sample = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.key() != null && r.value() != null && sampled(r.key())) {
                LogitsMessage m = decode(r);
                if (m != null) {
                    sample.add(m);
                }
            }
        }
        if (sample.isEmpty()) {
            return 0;
        }
        float[][] rows = sample.stream().map(LogitsMessage::features).toArray(float[][]::new);
        int[][] answers = answers(models, rows);
        for (int r = 0; r < rows.length; r++) {
            LogitsMessage m = sample.get(r);
            int teacher = LogitMath.argmax(m.logits());
            add(agreement, models, answers, r, teacher);
            if (m.labeled()) {
                add(accuracy, models, answers, r, m.label());
            }
        }
        return rows.length;
    }

    /** A message of the configured shape, or {@code null}: the student dead-letters bad ones, here they are skipped. */
    private LogitsMessage decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            LogitsMessage m = LogitsCodec.decode(r.value());
            return m.features().length == features && m.logits().length == classes ? m : null;
        } catch (IllegalArgumentException e) {
            LOG.debug("not scoring {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return null;
        }
    }

    private int scoreShadowed(long servedVersion, List<ServedModel> models) {
        List<ServedModel> others = models.stream().filter(m -> m.version() != servedVersion).toList();
        int scored = 0;
        for (Shadowed s = shadowQueue.poll(); s != null; s = shadowQueue.poll()) {
            if (s.servedVersion() != servedVersion || others.isEmpty()) {
                continue;
            }
            int[][] answers = answers(others, s.rows());
            for (int r = 0; r < s.rows().length; r++) {
                long[] versions = new long[others.size() + 1];
                boolean[] hits = new boolean[versions.length];
                versions[0] = servedVersion;
                hits[0] = true;
                for (int i = 0; i < others.size(); i++) {
                    versions[i + 1] = answers[i] == null ? -1 : others.get(i).version();
                    hits[i + 1] = answers[i] != null && answers[i][r] == s.served()[r];
                }
                shadowAgreement.add(versions, hits);
            }
            scored += s.rows().length;
        }
        return scored;
    }

    /** Each model's classes for the rows; {@code null} for a model retired meanwhile or failing. */
    private static int[][] answers(List<ServedModel> models, float[][] rows) {
        int[][] out = new int[models.size()][];
        for (int i = 0; i < out.length; i++) {
            try {
                float[][] logits = models.get(i).logits(rows);
                out[i] = new int[rows.length];
                for (int r = 0; r < rows.length; r++) {
                    out[i][r] = LogitMath.argmax(logits[r]);
                }
            } catch (RejectedExecutionException | IllegalStateException e) {
                LOG.debug("version {} not scored this round: {}", models.get(i).version(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            }
        }
        return out;
    }

    /** One row into a window: the versions that answered it and whether each answered {@code expected}. */
    private static void add(RowWindow window, List<ServedModel> models, int[][] answers, int row, int expected) {
        int n = 0;
        for (int[] a : answers) {
            n += a == null ? 0 : 1;
        }
        long[] versions = new long[n];
        boolean[] hits = new boolean[n];
        for (int i = 0, j = 0; i < answers.length; i++) {
            if (answers[i] != null) {
                versions[j] = models.get(i).version();
                hits[j++] = answers[i][row] == expected;
            }
        }
        window.add(versions, hits);
    }

    private void publishScores(ModelRegistry.Lineup lineup) {
        ServedModel[] slots = {lineup.served(), lineup.previous(), lineup.candidate()};
        RowWindow[] windows = {agreement, accuracy, shadowAgreement};
        Map<String, Map<String, Double>> all = new LinkedHashMap<>();
        for (int i = 0; i < slots.length; i++) {
            String slot = ServeMetrics.SLOTS.get(i);
            Map<String, Double> measures = new LinkedHashMap<>();
            for (int j = 0; j < windows.length; j++) {
                double score = slots[i] == null ? Double.NaN : windows[j].score(slots[i].version());
                metrics.score(slot, ServeMetrics.MEASURES.get(j), score);
                measures.put(ServeMetrics.MEASURES.get(j), Double.isNaN(score) ? null : score);
            }
            all.put(slot, Collections.unmodifiableMap(measures));
        }
        scores = Collections.unmodifiableMap(all);
    }

    /** Applies the policy's decision; the registry ignores it if the lineup changed meanwhile. */
    private void decide() {
        PromotionPolicy.Decision d = policy.decide(registry.lineup().versions(), agreement);
        switch (d.action()) {
            case PROMOTE -> {
                if (registry.promote(d.version())) {
                    metrics.candidate("promoted");
                    metrics.hotSwap();
                    LOG.info("promoted candidate version {}: {}", d.version(), d.reason());
                }
            }
            case REFUSE -> {
                if (registry.refuse(d.version(), d.reason(), clock.millis())) {
                    metrics.candidate("refused");
                    LOG.warn("refused candidate version {}: {}", d.version(), d.reason());
                }
            }
            case ROLL_BACK -> {
                ServedModel now = registry.rollBack(d.version(), d.reason(), clock.millis());
                if (now != null) {
                    metrics.rollback();
                    LOG.warn("rolled back from version {} to version {}, pinned until a candidate passes: {}",
                        d.version(), now.version(), d.reason());
                }
            }
            case NONE -> {
            }
        }
    }

    /** The scores of each slot as last published, for metadata: slot to measure to score (null when none). */
    Map<String, Map<String, Double>> scores() {
        return scores;
    }
}
