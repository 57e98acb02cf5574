package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.serving.ModelRegistry.Pin;
import io.distillery.serving.ModelRegistry.Placement;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
    private final List<ModelRegistry.State> changes = new ArrayList<>();
    private final ModelRegistry registry = new ModelRegistry(3, false, changes::add);
    private final ModelRegistry shadow = new ModelRegistry(3, true, changes::add);

    private static ServedModel model(long version) {
        return ServedModel.of(ServingFixtures.manifest(version, 8, 3), new FakeNetwork(version, 8, 3, "ok", 0), 1);
    }

    private static ModelRegistry.State state(long current, long previous, Pin pin, List<Long> held) {
        return new ModelRegistry.State(current, previous, pin, held, -1, null);
    }

    @Test
    void shouldServeEachNewerModelAndReportTheChange() throws Exception {
        assertThat(registry.current()).isNull();
        assertThat(registry.state()).isEqualTo(state(-1, -1, Pin.NONE, List.of()));

        registry.offer(model(1));
        registry.offer(model(2));

        assertThat(registry.current().version()).isEqualTo(2);
        assertThat(changes).last().isEqualTo(state(2, 1, Pin.NONE, List.of(1L, 2L)));
    }

    @Test
    void shouldRefuseAModelNotNewerThanEveryHeldOneEvenWhilePinnedToAnOlderOne() throws Exception {
        registry.offer(model(1));
        registry.offer(model(2));
        registry.pin(1);

        assertThatThrownBy(() -> registry.offer(model(2))).isInstanceOf(SnapshotException.class)
            .extracting(e -> ((SnapshotException) e).reason()).isEqualTo(Rejection.STALE_VERSION);
    }

    @Test
    void shouldHoldOnlyTheLastFewButNeverDropTheServedOne() throws Exception {
        registry.offer(model(1));
        registry.pin(1);
        for (long v = 2; v <= 6; v++) {
            assertThat(registry.offer(model(v))).isEqualTo(Placement.HELD);
        }

        assertThat(registry.current().version()).isEqualTo(1);
        assertThat(registry.state().heldVersions()).containsExactly(1L, 5L, 6L);

        registry.unpin();

        assertThat(registry.current().version()).isEqualTo(6);
        assertThat(registry.state().heldVersions()).containsExactly(1L, 5L, 6L);
        registry.offer(model(7));
        assertThat(registry.state().heldVersions()).containsExactly(5L, 6L, 7L);
    }

    @Test
    void shouldWalkBackOneVersionPerRollbackUntilNoneIsLeft() throws Exception {
        for (long v = 1; v <= 3; v++) {
            registry.offer(model(v));
        }

        assertThat(registry.rollback().version()).isEqualTo(2);
        assertThat(registry.rollback().version()).isEqualTo(1);
        assertThatThrownBy(registry::rollback).isInstanceOf(ModelRegistry.NotHeldException.class);
        assertThat(registry.state()).isEqualTo(state(1, -1, Pin.OPERATOR, List.of(1L, 2L, 3L)));
    }

    @Test
    void shouldServeTheFirstModelAtOnceInShadowModeAndKeepLaterOnesAsCandidatesThatAnswerNothing() throws Exception {
        assertThat(shadow.offer(model(1))).isEqualTo(Placement.SERVED);
        assertThat(shadow.offer(model(2))).isEqualTo(Placement.CANDIDATE);

        assertThat(shadow.current().version()).isEqualTo(1);
        assertThat(shadow.find(2)).isEmpty();
        assertThat(shadow.state().candidateVersion()).isEqualTo(2);
        assertThat(shadow.lineup().candidate().version()).isEqualTo(2);
    }

    @Test
    void shouldLetNewerModelsWaitForTheCandidatesDecisionTheNewestOfThemNext() throws Exception {
        shadow.offer(model(1));
        shadow.offer(model(2));

        assertThat(shadow.offer(model(3))).isEqualTo(Placement.WAITING);
        assertThat(shadow.offer(model(4))).isEqualTo(Placement.REPLACED_WAITING);
        assertThat(shadow.state().candidateVersion()).as("the candidate is decided first").isEqualTo(2);

        assertThat(shadow.refuse(2, "worse", 0)).isTrue();
        assertThat(shadow.state().candidateVersion()).as("the newest that waited").isEqualTo(4);
        assertThat(shadow.promote(4)).isTrue();
        assertThat(shadow.current().version()).isEqualTo(4);
        assertThat(shadow.state().candidateVersion()).isEqualTo(-1);
    }

    @Test
    void shouldRetireAModelReplacedWhileWaiting() throws Exception {
        shadow.offer(model(1));
        shadow.offer(model(2));
        shadow.offer(model(3));
        shadow.promote(2);
        ServedModel four = model(4);
        shadow.offer(four);
        shadow.offer(model(5));

        assertThatThrownBy(() -> four.logits(new float[][] {new float[8]})).hasMessageContaining("retired");
        assertThat(shadow.promote(3)).isTrue();
        assertThat(shadow.state().candidateVersion()).isEqualTo(5);
        assertThat(shadow.promote(4)).as("version 4 was replaced while it waited").isFalse();
    }

    @Test
    void shouldServeAPromotedCandidateAndKeepTheOldServedOneAsPrevious() throws Exception {
        shadow.offer(model(1));
        shadow.offer(model(2));

        assertThat(shadow.promote(2)).isTrue();

        assertThat(shadow.current().version()).isEqualTo(2);
        assertThat(shadow.state()).isEqualTo(state(2, 1, Pin.NONE, List.of(1L, 2L)));
    }

    @Test
    void shouldDropARefusedCandidateRememberingWhyAndStillRefuseItsVersionLater() throws Exception {
        shadow.offer(model(1));
        shadow.offer(model(2));

        assertThat(shadow.refuse(2, "worse", 1234)).isTrue();

        assertThat(shadow.state()).isEqualTo(new ModelRegistry.State(1, -1, Pin.NONE, List.of(1L), -1,
            new ModelRegistry.Refusal(2, "worse", 1234)));
        assertThatThrownBy(() -> shadow.offer(model(2))).isInstanceOf(SnapshotException.class);
    }

    @Test
    void shouldNotPromoteWhileAnOperatorPinsAVersion() throws Exception {
        shadow.offer(model(1));
        shadow.offer(model(2));
        shadow.pin(1);

        assertThat(shadow.promote(2)).isFalse();
        assertThat(shadow.lineup().operatorPinned()).isTrue();

        shadow.unpin();
        assertThat(shadow.promote(2)).isTrue();
    }

    @Test
    void shouldRollBackAutomaticallyDroppingTheServedVersionAndGateNewOnesEvenInImmediateMode() throws Exception {
        registry.offer(model(1));
        registry.offer(model(2));

        assertThat(registry.rollBack(2, "worse", 99).version()).isEqualTo(1);

        assertThat(registry.state()).isEqualTo(new ModelRegistry.State(1, -1, Pin.ROLLBACK, List.of(1L), -1,
            new ModelRegistry.Refusal(2, "rolled back: worse", 99)));
        assertThat(registry.offer(model(3))).isEqualTo(Placement.CANDIDATE);
        assertThat(registry.current().version()).isEqualTo(1);
        assertThat(registry.promote(3)).isTrue();
        assertThat(registry.state().pin()).isEqualTo(Pin.NONE);
        assertThat(registry.offer(model(4))).isEqualTo(Placement.SERVED);
    }

    @Test
    void shouldLeaveAnOperatorsPinAloneWhenAnAutomaticRollbackComesLate() throws Exception {
        registry.offer(model(1));
        registry.offer(model(2));
        registry.pin(2);

        assertThat(registry.rollBack(2, "worse", 99)).isNull();
        assertThat(registry.rollBack(1, "worse", 99)).isNull();
        assertThat(registry.current().version()).isEqualTo(2);
        assertThat(registry.state().pin()).isEqualTo(Pin.OPERATOR);
    }
}
