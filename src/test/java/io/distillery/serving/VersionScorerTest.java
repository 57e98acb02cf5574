package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.PromotionSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.serving.ModelRegistry.Pin;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scorer on fake networks: {@link FakeNetwork} version v answers class 2 for a row of sum 10 while
 * v &lt; 20 and class 0 from v = 20 on, and the teacher says class 2; so versions below 20 are good, the
 * others bad.
 */
class VersionScorerTest {
    private static final int ROWS = 50;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_123_000L), ZoneOffset.UTC);
    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeMetrics meters = new ServeMetrics(metrics, "student");
    private long offset;

    @AfterEach
    void close() {
        metrics.close();
    }

    private static ServedModel model(long version) {
        return ServedModel.of(ServingFixtures.manifest(version, 8, 3), new FakeNetwork(version, 8, 3, "ok", 0), 1);
    }

    private VersionScorer scorer(ModelRegistry registry, double shadowSample) {
        return new VersionScorer(new PromotionSettings(true, ROWS, 0.02, 0.05, 1.0, shadowSample, 4), registry, meters,
            CLOCK, 8, 3);
    }

    /** {@code n} teacher rows of sum 10, teacher class 2, half of them labeled 2. */
    private List<ConsumerRecord<byte[], byte[]>> teacherRows(int n) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] features = new float[8];
            Arrays.fill(features, 1.25f);
            String id = "r" + offset;
            byte[] value = LogitsCodec.encode(new LogitsMessage(id, 0, i % 2 == 0 ? 2 : -1, 1, features,
                new float[] {0, 1, 5}));
            out.add(new ConsumerRecord<>(Topics.TEACHER_LOGITS.name(), 0, offset++,
                id.getBytes(StandardCharsets.UTF_8), value));
        }
        return out;
    }

    private double count(String name, String tag, String value) {
        return metrics.registry().find(name).tag(tag, value).counter().count();
    }

    private double score(String slot, String measure) {
        return metrics.registry().find("distill.serve.score").tag("slot", slot).tag("measure", measure).gauge().value();
    }

    @Test
    void shouldPromoteAGoodCandidateOnlyOnceItHasScoredTheConfiguredRows() throws Exception {
        ModelRegistry registry = new ModelRegistry(3, true, meters::state);
        VersionScorer scorer = scorer(registry, 0);
        registry.offer(model(1));
        registry.offer(model(2));

        scorer.onRecords(teacherRows(ROWS - 1), true);
        assertThat(registry.current().version()).isEqualTo(1);
        assertThat(score("candidate", "teacher_agreement")).isEqualTo(1.0);
        assertThat(score("candidate", "accuracy")).isEqualTo(1.0);

        scorer.onRecords(teacherRows(1), true);
        assertThat(registry.current().version()).isEqualTo(2);
        assertThat(count("distill.serve.candidates", "outcome", "promoted")).isEqualTo(1);
        assertThat(count("distill.serve.scored.rows", "source", "teacher")).isEqualTo(ROWS);
    }

    @Test
    void shouldRefuseAWorseCandidateAndSayWhy() throws Exception {
        ModelRegistry registry = new ModelRegistry(3, true, meters::state);
        VersionScorer scorer = scorer(registry, 0);
        registry.offer(model(1));
        registry.offer(model(25));

        scorer.onRecords(teacherRows(ROWS), true);

        ModelRegistry.State s = registry.state();
        assertThat(s.currentVersion()).isEqualTo(1);
        assertThat(s.candidateVersion()).isEqualTo(-1);
        assertThat(s.lastRefusal().version()).isEqualTo(25);
        assertThat(s.lastRefusal().atMs()).isEqualTo(CLOCK.millis());
        assertThat(s.lastRefusal().reason()).contains("candidate version 25 0.0000", "served version 1 1.0000");
        assertThat(count("distill.serve.candidates", "outcome", "refused")).isEqualTo(1);
    }

    @Test
    void shouldRollBackABadServedVersionAndPinThePreviousOne() throws Exception {
        ModelRegistry registry = new ModelRegistry(3, false, meters::state);
        VersionScorer scorer = scorer(registry, 0);
        registry.offer(model(1));
        registry.offer(model(25));
        assertThat(registry.current().version()).isEqualTo(25);

        scorer.onRecords(teacherRows(ROWS), true);

        assertThat(registry.current().version()).isEqualTo(1);
        assertThat(registry.state().pin()).isEqualTo(Pin.ROLLBACK);
        assertThat(registry.state().lastRefusal().reason()).startsWith("rolled back: ");
        assertThat(metrics.registry().find("distill.serve.rollbacks").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldScoreShadowedRequestsOnTheCandidateAgainstTheServedAnswer() throws Exception {
        ModelRegistry registry = new ModelRegistry(3, true, meters::state);
        VersionScorer scorer = scorer(registry, 1.0);
        registry.offer(model(1));
        registry.offer(model(25));
        float[] values = new float[2 * 8];
        Arrays.fill(values, 1.25f);
        float[][] servedAnswers = registry.current().logits(values, 2);

        scorer.shadow(1, values, 8, servedAnswers);
        scorer.onRecords(List.of(), true);

        assertThat(score("candidate", "shadow_agreement")).isEqualTo(0.0);
        assertThat(score("served", "shadow_agreement")).isEqualTo(1.0);
        assertThat(count("distill.serve.scored.rows", "source", "shadow")).isEqualTo(2);
    }

    @Test
    void shouldDropAndCountShadowRequestsBeyondTheQueue() throws Exception {
        ModelRegistry registry = new ModelRegistry(3, true, meters::state);
        VersionScorer scorer = scorer(registry, 1.0);
        float[] values = new float[8];

        for (int i = 0; i < 6; i++) {
            scorer.shadow(1, values, 8, new float[][] {{0, 0, 1}});
        }

        assertThat(metrics.registry().find("distill.serve.shadow.dropped").counter().count()).isEqualTo(2);
    }

    @Test
    void shouldSampleTheSameRowsOnEveryReplicaAtRoughlyTheConfiguredRate() {
        VersionScorer tenth = new VersionScorer(new PromotionSettings(true, ROWS, 0.02, 0.05, 0.1, 0, 4),
            new ModelRegistry(3, true, s -> { }), meters, CLOCK, 8, 3);
        int sampled = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] key = ("record-" + i).getBytes(StandardCharsets.UTF_8);
            sampled += tenth.sampled(key) ? 1 : 0;
            assertThat(tenth.sampled(key)).isEqualTo(tenth.sampled(key.clone()));
        }
        assertThat(sampled).isBetween(800, 1200);
    }
}
