package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.records.FeedbackMessage;
import io.distillery.records.Heartbeat;
import io.distillery.records.HeartbeatCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PipelineStatusTest {
    private static final long NOW = 10_000_000;
    private static final PipelineStatus.Limits LIMITS = new PipelineStatus.Limits(600_000, 300_000, 60_000, 1_000,
        List.of("teacher", "student", "monitor", "serve"));

    private static Heartbeat beat(String role, long timeMs, boolean healthy, long lag) {
        return new Heartbeat(role, "host-1", timeMs, 5_000, healthy,
            Map.of(role, healthy ? "up running" : "down failed: boom"), Map.of(role, 3L), lag, Map.of(), 5);
    }

    private static PipelineStatus.Seen<PipelineStatus.Published> published(long version, long timeMs) {
        return new PipelineStatus.Seen<>(new PipelineStatus.Published(version, 5), timeMs);
    }

    private static PipelineStatus.Observed observed(Map<String, List<Heartbeat>> beats, long windowAt, long snapshotAt) {
        FeedbackMessage window = new FeedbackMessage(0, 1000, 10, 2, 0.1, 0.9, 0.8, 0.85,
            new double[] {0.5, Double.NaN, 0.9, 0.2, 0.7}, new long[] {2, 0, 3, 4, 1}, List.of());
        Map<String, PipelineStatus.Seen<PipelineStatus.Published>> newest = Map.of("teacher",
            published(4, snapshotAt), "student", published(8, NOW - 1_000));
        return new PipelineStatus.Observed(NOW, newest, newest, beats, Map.of("distill-student", 5L),
            new PipelineStatus.Seen<>(window, windowAt), null, Map.of(), true);
    }

    private static Map<String, List<Heartbeat>> allRoles() {
        Map<String, List<Heartbeat>> beats = new TreeMap<>();
        for (String role : LIMITS.roles()) {
            beats.put(role + "/host-1", new ArrayList<>(List.of(beat(role, NOW - 2_000, true, 0))));
        }
        return beats;
    }

    @Test
    void shouldFindNothingWrongWhenEveryRoleReportsAndEverythingIsFresh() {
        PipelineStatus.Report r = PipelineStatus.assess(observed(allRoles(), NOW - 1_000, NOW - 1_000), LIMITS);
        assertThat(r.problems()).isEmpty();
        assertThat(r.instances()).extracting(i -> i.last().role()).containsExactly("monitor", "serve", "student", "teacher");
    }

    @Test
    void shouldSayInTextThatAnEmptyPipelineHasNoSnapshotAndNoInstanceYet() {
        PipelineStatus.Observed nothing = new PipelineStatus.Observed(NOW, Map.of(), Map.of(), Map.of(), Map.of(),
            null, null, Map.of(), true);
        StringWriter text = new StringWriter();

        StatusFormat.text(PipelineStatus.assess(nothing, LIMITS), new PrintWriter(text));

        assertThat(text.toString()).contains("snapshots: none yet\n", "checkpoints: none yet\n",
                "instances: none reporting\n")
            .doesNotContain("INSTANCE");
        StringWriter full = new StringWriter();
        StatusFormat.text(PipelineStatus.assess(observed(allRoles(), NOW - 1_000, NOW - 1_000), LIMITS),
            new PrintWriter(full));
        assertThat(full.toString()).contains("snapshots: student v8 (1 s ago) teacher v4 (1 s ago)\n",
                "checkpoints: student v8 (1 s ago) teacher v4 (1 s ago)\n", "INSTANCE")
            .doesNotContain("none yet", "none reporting");
    }

    @Test
    void shouldNameTheSilentTheUnhealthyAndTheMissing() {
        Map<String, List<Heartbeat>> beats = allRoles();
        beats.put("student/host-1", List.of(beat("student", NOW - 16_000, true, 0)));
        beats.put("monitor/host-1", List.of(beat("monitor", NOW - 1_000, false, 0)));
        beats.remove("serve/host-1");
        PipelineStatus.Report r = PipelineStatus.assess(observed(beats, NOW - 1_000, NOW - 1_000), LIMITS);
        assertThat(r.problems()).containsExactlyInAnyOrder("serve: no instance reporting",
            "student/host-1: silent for 16 s", "monitor/host-1: unhealthy: {monitor=down failed: boom}");
    }

    @Test
    void shouldNameStaleSnapshotsAndStoppedWindows() {
        PipelineStatus.Report r = PipelineStatus.assess(observed(allRoles(), NOW - 400_000, NOW - 720_000), LIMITS);
        assertThat(r.problems()).containsExactlyInAnyOrder("teacher: no snapshot for 12 min",
            "monitor: no feedback window for 6 min");
    }

    @Test
    void shouldNameAModelWhoseRestartWouldResumeWithoutItsOptimizerState() {
        PipelineStatus.Observed o = observed(allRoles(), NOW - 1_000, NOW - 1_000);
        PipelineStatus.Observed behind = new PipelineStatus.Observed(NOW, o.snapshots(),
            Map.of("student", published(6, NOW - 30_000)), o.heartbeats(), o.groupLag(), o.window(),
            null, Map.of(), true);

        PipelineStatus.Report r = PipelineStatus.assess(behind, LIMITS);

        assertThat(r.problems()).containsExactlyInAnyOrder(
            "teacher: no checkpoint: a restart resumes from snapshot v4 with a fresh optimizer state",
            "student: newest checkpoint v6 is older than snapshot v8: a restart resumes from the snapshot with a fresh "
                + "optimizer state");
        assertThat(StatusFormat.json(r).at("/checkpoints/student/version").asLong()).isEqualTo(6);
        assertThat(StatusFormat.json(r).at("/checkpoints/student/ageMs").asLong()).isEqualTo(30_000);
        assertThat(PipelineStatus.resumeProblem(8, published(9, NOW))).as("a checkpoint ahead of the "
            + "snapshot: the writer publishes it first").isNull();
    }

    @Test
    void shouldNameAnInstanceThatCannotReadTheNewestSnapshotsFormat() {
        Map<String, List<Heartbeat>> beats = allRoles();
        beats.put("serve/old-1", List.of(new Heartbeat("serve", "old-1", NOW - 1_000, 5_000, true, Map.of(),
            Map.of("student", 7L), 0, Map.of(), 4)));
        beats.put("serve/older-1", List.of(new Heartbeat("serve", "older-1", NOW - 1_000, 5_000, true, Map.of(),
            Map.of("student", 7L), 0, Map.of(), 0)));
        beats.put("student/new-1", List.of(new Heartbeat("student", "new-1", NOW - 1_000, 5_000, true, Map.of(),
            Map.of("student", 8L, "teacher", 4L), 0, Map.of(), 6)));
        PipelineStatus.Observed o = observed(beats, NOW - 1_000, NOW - 1_000);
        Map<String, PipelineStatus.Seen<PipelineStatus.Published>> formatSix = Map.of("teacher", published(4, NOW),
            "student", new PipelineStatus.Seen<>(new PipelineStatus.Published(8, 6), NOW - 1_000));
        PipelineStatus.Observed newer = new PipelineStatus.Observed(NOW, formatSix, o.checkpoints(), beats,
            o.groupLag(), o.window(), null, Map.of(), true);

        PipelineStatus.Report r = PipelineStatus.assess(newer, LIMITS);

        assertThat(r.problems()).as("those that read up to 4 and 5 are named; one that does not say is not")
            .containsExactlyInAnyOrder("serve/old-1: reads snapshot formats up to 4, the newest student snapshot (v8) is"
                + " format 6: upgrade it, or set snapshot.write.format=4 on the student role, which writes them",
                "student/host-1: reads snapshot formats up to 5, the newest student snapshot (v8) is format 6: upgrade"
                + " it, or set snapshot.write.format=5 on the student role, which writes them");
        Map<String, PipelineStatus.Seen<PipelineStatus.Published>> formatFour = Map.of("teacher", published(4, NOW),
            "student", new PipelineStatus.Seen<>(new PipelineStatus.Published(8, 4), NOW - 1_000));
        assertThat(PipelineStatus.assess(new PipelineStatus.Observed(NOW, formatFour, o.checkpoints(), beats,
            o.groupLag(), o.window(), null, Map.of(), true), LIMITS).problems()).as("format 4, read by all").isEmpty();
        assertThat(StatusFormat.json(r).at("/snapshots/student/format").asInt()).isEqualTo(6);
        assertThat(StatusFormat.json(r).at("/instances/2/snapshotFormat").asInt()).isEqualTo(4);
        assertThat(StatusFormat.json(r).at("/instances/2/instance").asText()).isEqualTo("old-1");
    }

    @Test
    void shouldCallALagGrowingOnlyWhenItNeverFellOverHalfTheSpan() {
        List<Heartbeat> rising = List.of(beat("student", NOW - 50_000, true, 100), beat("student", NOW - 30_000, true, 800),
            beat("student", NOW - 10_000, true, 2_000));
        assertThat(PipelineStatus.lagGrowth(rising, NOW, LIMITS)).isEqualTo("100 -> 2000 records in 40 s");
        List<Heartbeat> fellOnce = List.of(beat("student", NOW - 50_000, true, 100), beat("student", NOW - 30_000, true, 50),
            beat("student", NOW - 10_000, true, 2_000));
        assertThat(PipelineStatus.lagGrowth(fellOnce, NOW, LIMITS)).isNull();
        List<Heartbeat> tooShort = List.of(beat("student", NOW - 20_000, true, 100), beat("student", NOW - 15_000, true, 800),
            beat("student", NOW - 10_000, true, 2_000));
        assertThat(PipelineStatus.lagGrowth(tooShort, NOW, LIMITS)).isNull();
    }

    @Test
    void shouldRankTheWorstClassesLeavingOutClassesWithoutRecords() {
        FeedbackMessage w = observed(allRoles(), NOW, NOW).window().value();
        assertThat(PipelineStatus.worstClasses(w)).containsExactly(3, 0, 4);
    }

    @Test
    void shouldRoundTripAHeartbeatThroughItsJson() {
        Heartbeat h = new Heartbeat("teacher", "pod-7", 123, 5_000, false, Map.of("teacher-trainer", "down stuck"),
            Map.of("teacher", 12L), 44, Map.of("emissionShare", 0.25), 5);
        assertThat(HeartbeatCodec.decode(HeartbeatCodec.encode(h))).isEqualTo(h);
        byte[] older = "{\"v\":1,\"role\":\"serve\",\"instance\":\"p\",\"timeMs\":5}".getBytes(
            java.nio.charset.StandardCharsets.UTF_8);
        assertThat(HeartbeatCodec.decode(older).snapshotFormat()).as("written before heartbeats said it").isZero();
        assertThat(h.key()).isEqualTo("teacher/pod-7");
        assertThat(h.partsDown()).containsEntry("teacher-trainer", "down stuck");
    }
}
