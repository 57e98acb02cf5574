package io.distillery.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.distillery.inference.Engine;
import io.distillery.model.ImageShift;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import io.distillery.spec.NetworkSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Replayed batches: soft targets refreshed by the newest teacher, mixup's points between records, and shifted images.
 */
class ReplayTest {
    private static final Network TEACHER = Network.teacher(new NetworkSpec(4, List.of(6), 3, "relu", "adam", 1e-2, 3));
    private static final FollowedModel.Current CURRENT =
        new FollowedModel.Current(2, new CheckedNetwork(TEACHER, OnnxExport.export(TEACHER, Map.of())), null, null);

    private static ReplayBuffer buffer() {
        ReplayBuffer buffer = new ReplayBuffer(16, true, 5);
        Random random = new Random(9);
        for (int i = 0; i < 16; i++) {
            float[] x = {random.nextFloat(), random.nextFloat(), random.nextFloat(), random.nextFloat()};
            buffer.add(x, i % 3, new float[] {9, 9, 9}, 1);
        }
        return buffer;
    }

    @Test
    void shouldReplaceTheMixupShareWithUnlabeledPointsBetweenRecordsAndTheTeachersLogitsThere() {
        Replay replay = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0.5, 7);
        ReplayBuffer.Batch unmixed = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0, 7).batch();

        ReplayBuffer.Batch b = replay.batch();

        float[][] teacher = TEACHER.logits(b.x());
        for (int i = 0; i < 8; i++) {
            assertThat(b.logits()[i]).as("row %d: the newest teacher's logits at the row's features", i)
                .containsExactly(teacher[i], offset(1e-5f));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(b.labels()[i]).as("mixed row %d has no hard label", i).isEqualTo(-1);
        }
        for (int i = 4; i < 8; i++) {
            assertThat(b.labels()[i]).as("replayed row %d keeps its label", i).isBetween(0, 2);
            assertThat(b.x()[i]).as("replayed row %d is the record itself", i).isEqualTo(unmixed.x()[i]);
        }
        replay.close();
    }

    @Test
    void shouldReplaceTheShiftShareWithImagesMovedAPixelAndTheTeachersLogitsThere() {
        // the 4 features of a record are a 2 × 2 image
        Replay replay = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0, 0.5, 2, 7);
        ReplayBuffer.Batch plain = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0, 7).batch();

        ReplayBuffer.Batch b = replay.batch();

        float[][] teacher = TEACHER.logits(b.x());
        Random shifts = new Random(7);
        for (int i = 0; i < 4; i++) {
            assertThat(b.x()[i]).as("row %d: the sampled image moved as ImageShift.nudged moves it", i)
                .containsExactly(ImageShift.nudged(plain.x()[i], 2, shifts));
            assertThat(b.labels()[i]).as("shifted row %d has no hard label", i).isEqualTo(-1);
        }
        for (int i = 4; i < 8; i++) {
            assertThat(b.x()[i]).as("replayed row %d is the record itself", i).isEqualTo(plain.x()[i]);
            assertThat(b.labels()[i]).as("replayed row %d keeps its label", i).isBetween(0, 2);
        }
        for (int i = 0; i < 8; i++) {
            assertThat(b.logits()[i]).as("row %d: the newest teacher's logits at the row's features", i)
                .containsExactly(teacher[i], offset(1e-5f));
        }
        assertThat(replay.teacherRows()).isEqualTo(8);
        replay.close();
    }

    @Test
    void shouldShiftTheFirstRowsAndMixTheNextWhenBothShareABatch() {
        Replay replay = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0.25, 0.25, 2, 7);
        ReplayBuffer.Batch plain = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0, 7).batch();

        ReplayBuffer.Batch b = replay.batch();

        Random random = new Random(7);
        for (int i = 0; i < 2; i++) {
            assertThat(b.x()[i]).as("row %d shifted", i).containsExactly(ImageShift.nudged(plain.x()[i], 2, random));
        }
        for (int i = 2; i < 4; i++) {
            float[] partner = plain.x()[random.nextInt(8)];
            assertThat(b.x()[i]).as("row %d mixed with a sampled record", i)
                .containsExactly(Replay.between(plain.x()[i], partner, random.nextFloat()));
            assertThat(b.labels()[i]).isEqualTo(-1);
        }
        assertThat(b.labels()[4]).isBetween(0, 2);
        replay.close();
    }

    @Test
    void shouldRefuseSharesAboveOneOrAShiftWithoutAnImageWidth() {
        assertThatThrownBy(() -> new Replay(buffer(), () -> null, 8, Engine.DL4J, 0.6, 0.5, 2, 7))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shift share");
        assertThatThrownBy(() -> new Replay(buffer(), () -> null, 8, Engine.DL4J, 0, 0.5, 0, 7))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image width");
    }

    @Test
    void shouldNotRecomputeTheTargetsOfTheRowsMixupReplaces() {
        ReplayBuffer buffer = buffer();
        Replay replay = new Replay(buffer, () -> CURRENT, 8, Engine.DL4J, 0.5, 7);

        ReplayBuffer.Batch b = replay.batch();

        assertThat(replay.teacherRows()).as("the teacher computes 4 mixed rows and the 4 kept ones").isEqualTo(8);
        Set<Integer> kept = new HashSet<>();
        for (int i = 4; i < 8; i++) {
            kept.add(b.slots()[i]);
            assertThat(buffer.logitsVersion(b.slots()[i])).as("kept row %d refreshed and remembered", i).isEqualTo(2);
        }
        for (int i = 0; i < 4; i++) {
            if (!kept.contains(b.slots()[i])) {
                assertThat(buffer.logitsVersion(b.slots()[i])).as("mixed row %d's record left as it was", i)
                    .isEqualTo(1);
            }
        }
        replay.close();
    }

    @Test
    void shouldMixNothingWithoutATeacherOrWithAZeroShare() {
        ReplayBuffer.Batch noTeacher = new Replay(buffer(), () -> null, 8, Engine.DL4J, 1.0, 7).batch();
        ReplayBuffer.Batch off = new Replay(buffer(), () -> CURRENT, 8, Engine.DL4J, 0.0, 7).batch();

        assertThat(noTeacher.labels()).doesNotContain(-1);
        assertThat(List.of(noTeacher.logits())).allSatisfy(l -> assertThat(l).containsExactly(9, 9, 9));
        assertThat(off.labels()).doesNotContain(-1);
    }

    @Test
    void betweenIsTheConvexCombinationAndLeavesItsInputsAlone() {
        float[] a = {1, 2, 3};
        float[] b = {3, 2, 1};

        assertThat(Replay.between(a, b, 0.25f)).containsExactly(2.5f, 2f, 1.5f);
        assertThat(a).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> new Replay(buffer(), () -> null, 8, Engine.DL4J, 1.5, 7))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
