package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.snapshot.SnapshotManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which snapshot a restarting role resumes from. The verification is the codec's real signature and checksum
 * check; the model is the manifest's id (loading networks is {@link SnapshotVerifierTest}'s business).
 */
class ResumeSelectionTest {
    private static final SnapshotCodec TRUSTED = SnapshotFixtures.CODEC;
    /** A writer whose key the reader no longer trusts (rotated out). */
    private static final SnapshotCodec ROTATED_OUT = new SnapshotCodec(SnapshotKeys.of(
        SnapshotFixtures.OTHER_SIGNING_PEM, SnapshotFixtures.OTHER_VERIFY_PEM, null));

    private final List<Long> tried = new ArrayList<>();

    private ResumeSelection.Outcome<String> select(ResumeSelection.Candidate... candidates) {
        return ResumeSelection.select(List.of(candidates), value -> {
            SnapshotManifest m = TRUSTED.decode(value).manifest();
            tried.add(m.version());
            return new SnapshotVerifier.Verified<>(m, m.id(), value);
        });
    }

    private static byte[] snapshot(SnapshotCodec codec, long version) {
        SnapshotManifest m = SnapshotFixtures.manifest(4, 3).toBuilder().id("student-v" + version).version(version)
            .build();
        return codec.encode(Snapshot.of(m, new byte[] {1, 2, 3, (byte) version}));
    }

    private static ResumeSelection.Candidate at(long offset, byte[] value) {
        return ResumeSelection.Candidate.of(value, offset);
    }

    private static ResumeSelection.Candidate checkpointAt(long offset, byte[] value) {
        return ResumeSelection.Candidate.of(value, offset, true);
    }

    private static byte[] corrupt(byte[] message) {
        byte[] copy = message.clone();
        copy[copy.length / 2] ^= 0x5a;
        return copy;
    }

    @Test
    void shouldResumeFromTheNewestVersionWhenItVerifiesAndTryNoOther() {
        ResumeSelection.Outcome<String> o = select(at(0, snapshot(TRUSTED, 3)), at(1, snapshot(TRUSTED, 4)),
            at(2, snapshot(TRUSTED, 5)));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(5L);
        assertThat(tried).containsExactly(5L);
        assertThat(o.skipped()).isEmpty();
        assertThat(o.lastVersion()).isEqualTo(5);
        assertThat(o.older()).isFalse();
        assertThat(o.noneVerified()).isFalse();
    }

    @Test
    void shouldPassOverANewestSignedWithAKeyNoLongerTrustedAndKeepItsVersion() {
        ResumeSelection.Outcome<String> o = select(at(0, snapshot(TRUSTED, 3)), at(1, snapshot(TRUSTED, 4)),
            at(2, snapshot(ROTATED_OUT, 5)));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(4L);
        assertThat(o.skipped()).extracting(ResumeSelection.Skipped::version, ResumeSelection.Skipped::reason)
            .containsExactly(tuple(5L, Rejection.UNTRUSTED_KEY));
        assertThat(o.lastVersion()).as("the next version goes above the rejected one").isEqualTo(5);
        assertThat(o.older()).isTrue();
    }

    @Test
    void shouldPassOverACorruptNewestAndNameAnUnreadableMessage() {
        byte[] garbage = "not a snapshot".getBytes(StandardCharsets.UTF_8);
        ResumeSelection.Outcome<String> o = select(at(0, snapshot(TRUSTED, 6)), at(1, corrupt(snapshot(TRUSTED, 7))),
            at(2, garbage));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(6L);
        assertThat(o.skipped()).extracting(ResumeSelection.Skipped::version)
            .containsExactly(ResumeSelection.UNKNOWN, 7L);
        assertThat(o.skipped().get(0).reason()).isEqualTo(Rejection.CORRUPT);
        assertThat(o.skipped().get(1).reason()).isIn(Rejection.BAD_SIGNATURE, Rejection.CHECKSUM_MISMATCH);
        assertThat(o.lastVersion()).isEqualTo(7);
        assertThat(o.skippedText()).startsWith("unreadable message at offset 2: corrupt: ")
            .contains("; v7 at offset 1: ");
    }

    @Test
    void shouldTryTheHighestVersionFirstWhateverItsOffset() {
        ResumeSelection.Outcome<String> o = select(at(5, snapshot(TRUSTED, 8)), at(9, snapshot(TRUSTED, 2)),
            at(7, snapshot(TRUSTED, 9)));

        assertThat(tried).containsExactly(9L);
        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(9L);
    }

    @Test
    void shouldResumeFromAVersionsCheckpointBeforeItsSnapshot() {
        ResumeSelection.Outcome<String> o = select(at(4, snapshot(TRUSTED, 5)), checkpointAt(0, snapshot(TRUSTED, 4)),
            checkpointAt(1, snapshot(TRUSTED, 5)), at(3, snapshot(TRUSTED, 4)));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(5L);
        assertThat(o.fromCheckpoint()).isTrue();
        assertThat(tried).containsExactly(5L);
        assertThat(o.candidates()).isEqualTo(4);
    }

    @Test
    void shouldResumeFromANewerSnapshotThanTheNewestCheckpointThatVerifies() {
        ResumeSelection.Outcome<String> o = select(checkpointAt(0, snapshot(TRUSTED, 4)),
            checkpointAt(1, corrupt(snapshot(TRUSTED, 5))), at(7, snapshot(TRUSTED, 5)), at(6, snapshot(TRUSTED, 4)));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(5L);
        assertThat(o.fromCheckpoint()).as("an older checkpoint would replay what v5 already learned").isFalse();
        assertThat(o.older()).isFalse();
        assertThat(o.skippedText()).startsWith("checkpoint v5 at offset 1: ");
    }

    @Test
    void shouldResumeFromSnapshotsAloneWhenNoCheckpointWasEverWritten() {
        ResumeSelection.Outcome<String> o = select(at(0, snapshot(TRUSTED, 2)), at(1, snapshot(TRUSTED, 3)));

        assertThat(o.chosen()).get().extracting(SnapshotVerifier.Verified::version).isEqualTo(3L);
        assertThat(o.fromCheckpoint()).isFalse();
        assertThat(o.skipped()).isEmpty();
    }

    @Test
    void shouldReportEveryRejectionWhenNoneVerifies() {
        ResumeSelection.Outcome<String> o = select(at(0, snapshot(ROTATED_OUT, 11)), at(1, corrupt(snapshot(TRUSTED, 12))));

        assertThat(o.chosen()).isEmpty();
        assertThat(o.noneVerified()).isTrue();
        assertThat(o.lastVersion()).isEqualTo(12);
        assertThat(o.skipped()).extracting(ResumeSelection.Skipped::version).containsExactly(12L, 11L);
        assertThat(ResumePoint.refusal("student", "distill.student.snapshots", o))
            .startsWith("refusing to start student with a fresh network: 2 snapshot(s) of student on "
                + "distill.student.snapshots, none verifies: v12 at offset 1: ")
            .contains("; v11 at offset 0: untrusted_key: ")
            .endsWith("set snapshot.allow.cold.start=true to start a fresh network at v13");
    }

    @Test
    void shouldStartFromNothingWhenTheTopicHoldsOnlyMessagesThatAreNoSnapshots() {
        byte[] garbage = "not a snapshot".getBytes(StandardCharsets.UTF_8);
        ResumeSelection.Outcome<String> o = select(at(3, garbage), at(4, garbage));

        assertThat(o.chosen()).isEmpty();
        assertThat(o.noneVerified()).as("junk alone does not block a start").isFalse();
        assertThat(o.lastVersion()).isZero();
        assertThat(o.skipped()).hasSize(2);
    }

    @Test
    void shouldStartFromNothingWhenTheTopicHoldsNoSnapshot() {
        ResumeSelection.Outcome<String> o = select();

        assertThat(o.chosen()).isEmpty();
        assertThat(o.noneVerified()).isFalse();
        assertThat(o.lastVersion()).isZero();
    }
}
