package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
    private final List<ModelRegistry.State> changes = new ArrayList<>();
    private final ModelRegistry registry = new ModelRegistry(3, changes::add);

    private static ServedModel model(long version) {
        return ServedModel.of(ServingFixtures.manifest(version, 8, 3), new FakeNetwork(version, 8, 3, "ok", 0), 1);
    }

    @Test
    void shouldServeEachNewerModelAndReportTheChange() throws Exception {
        assertThat(registry.current()).isNull();
        assertThat(registry.state()).isEqualTo(new ModelRegistry.State(-1, -1, false, List.of()));

        registry.offer(model(1));
        registry.offer(model(2));

        assertThat(registry.current().version()).isEqualTo(2);
        assertThat(changes).last().isEqualTo(new ModelRegistry.State(2, 1, false, List.of(1L, 2L)));
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
            registry.offer(model(v));
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
        assertThat(registry.state()).isEqualTo(new ModelRegistry.State(1, -1, true, List.of(1L, 2L, 3L)));
    }
}
