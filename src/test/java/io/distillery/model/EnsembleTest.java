package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.spec.NetworkSpec;
import io.distillery.testing.TrainedNetworks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** An ensemble teacher is one network: mean logits, every member trained, one set of bytes. */
class EnsembleTest {
    private static final NetworkSpec A = TrainedNetworks.spec(6, List.of(8, 5), 3, "relu", 1);
    private static final NetworkSpec B = TrainedNetworks.spec(6, List.of(4), 3, "tanh", 2);
    private static final float[][] X = TrainedNetworks.gaussianRows(7, 6, new Random(5));
    private static final int[] Y = {0, 1, 2, 0, 1, 2, 0};

    @Test
    void shouldPredictTheMeanOfItsMembersLogits() {
        Network ensemble = Network.ensemble(List.of(A, B));
        float[][] a = Network.teacher(A).logits(X);
        float[][] b = Network.teacher(B).logits(X);

        float[][] mean = ensemble.logits(X);

        for (int i = 0; i < X.length; i++) {
            for (int j = 0; j < 3; j++) {
                assertThat(mean[i][j]).isCloseTo((a[i][j] + b[i][j]) / 2, within(1e-6f));
            }
        }
        assertThat(ensemble.isEnsemble()).isTrue();
        assertThat(ensemble.toString()).contains("ensemble of 2", "6-8-5-3 (seed 1)", "6-4-3 (seed 2)");
    }

    @Test
    void shouldTrainEveryMemberOnTheSameBatchAndCountOneStep() {
        Network ensemble = Network.ensemble(List.of(A, B));
        Network a = Network.teacher(A);
        Network b = Network.teacher(B);

        double loss = ensemble.fitHard(X, Y);

        assertThat(loss).isCloseTo((a.fitHard(X, Y) + b.fitHard(X, Y)) / 2, within(1e-6));
        assertThat(ensemble.members().get(0).logits(X)).isDeepEqualTo(a.logits(X));
        assertThat(ensemble.members().get(1).logits(X)).isDeepEqualTo(b.logits(X));
        assertThat(ensemble.steps()).isEqualTo(1);
    }

    @Test
    void shouldGiveItsMembersHiddenLayersSideBySideWithTheMeanLogits() {
        Network ensemble = Network.ensemble(List.of(A, B));

        Forward f = ensemble.forward(X);
        Forward a = Network.teacher(A).forward(X);
        Forward b = Network.teacher(B).forward(X);

        assertThat(ensemble.hiddenWidth()).isEqualTo(5 + 4);
        assertThat(f.logits()).isDeepEqualTo(ensemble.logits(X));
        assertThat(a.logits()).isDeepEqualTo(Network.teacher(A).logits(X));
        for (int i = 0; i < X.length; i++) {
            assertThat(java.util.Arrays.copyOfRange(f.hidden()[i], 0, 5)).containsExactly(a.hidden()[i]);
            assertThat(java.util.Arrays.copyOfRange(f.hidden()[i], 5, 9)).containsExactly(b.hidden()[i]);
        }
    }

    @Test
    void shouldBeAPlainTeacherWithOneMember() {
        Network one = Network.ensemble(List.of(A));

        assertThat(one.isEnsemble()).isFalse();
        assertThat(one.toBytes(false)).isEqualTo(Network.teacher(A).toBytes(false));
    }

    @Test
    void shouldReadBackItsBytesWithEveryMemberAndTheStepCount() {
        Network ensemble = Network.ensemble(List.of(A, B, A.withSeed(3)));
        ensemble.fitHard(X, Y);

        Network back = Network.fromBytes(ensemble.toBytes(true));

        assertThat(back.isEnsemble()).isTrue();
        assertThat(back.members()).hasSize(3);
        assertThat(back.steps()).isEqualTo(1);
        assertThat(back.logits(X)).isDeepEqualTo(ensemble.logits(X));
        back.fitHard(X, Y);
        ensemble.fitHard(X, Y);
        assertThat(back.logits(X)).isDeepEqualTo(ensemble.logits(X));
    }

    @Test
    void shouldSayInItsBytesThatItIsAnEnsembleBeforeAnyMember() throws IOException {
        byte[] bytes = Network.ensemble(List.of(A, B)).toBytes(false);

        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            assertThat(in.getNextEntry().getName()).isEqualTo(NetworkFormat.ENTRY);
            Properties p = new Properties();
            p.load(new ByteArrayInputStream(in.readAllBytes()));
            assertThat(p).containsEntry("format", "2").containsEntry("kind", "ensemble").containsEntry("members", "2");
            assertThat(in.getNextEntry().getName()).isEqualTo("ensemble-member-0");
        }
    }

    @Test
    void shouldRefuseAnEnsembleWhoseMemberCountOrEntriesDisagree() throws IOException {
        byte[] member = Network.teacher(A).toBytes(false);

        assertThatThrownBy(() -> Network.fromBytes(zip("3", "ensemble-member-0", member, "ensemble-member-1", member)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("says it has 3 members");
        assertThatThrownBy(() -> Network.fromBytes(zip("2", "ensemble-member-0", member, "ensemble-member-2", member)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unexpected zip entry 'ensemble-member-2'");
        byte[] nested = Network.ensemble(List.of(A, B)).toBytes(false);
        assertThatThrownBy(() -> Network.fromBytes(zip("2", "ensemble-member-0", member, "ensemble-member-1", nested)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a plain teacher");
    }

    @Test
    void shouldRestoreEveryMemberFromACheckpoint() {
        Network ensemble = Network.ensemble(List.of(A, B));
        Network.Checkpoint before = ensemble.checkpoint(null);
        float[][] logits = ensemble.logits(X);
        ensemble.fitHard(X, Y);
        assertThat(ensemble.logits(X)).isNotEqualTo(logits);

        ensemble.restore(before);

        assertThat(ensemble.logits(X)).isDeepEqualTo(logits);
    }

    @Test
    void shouldRefuseMembersOfDifferentWidths() {
        NetworkSpec wider = TrainedNetworks.spec(7, List.of(4), 3, "relu", 2);

        assertThatThrownBy(() -> Network.ensemble(List.of(A, wider)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("agree on inputs and outputs");
    }

    private static byte[] zip(String members, String name1, byte[] bytes1, String name2, byte[] bytes2)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(NetworkFormat.ENTRY));
            zip.write(("format=2\nkind=ensemble\nsteps=0\nmembers=" + members + "\n").getBytes());
            zip.putNextEntry(new ZipEntry(name1));
            zip.write(bytes1);
            zip.putNextEntry(new ZipEntry(name2));
            zip.write(bytes2);
        }
        return out.toByteArray();
    }
}
