package io.distillery.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkSpecTest {

    @Test
    void shouldDescribeLayerWidths() {
        assertThat(NetworkSpec.of(784, List.of(512, 256), 10).describe()).isEqualTo("784-512-256-10");
        assertThat(NetworkSpec.of(4, List.of(), 3).describe()).isEqualTo("4-3");
    }

    @Test
    void shouldCopyHiddenUnmodifiably() {
        List<Integer> hidden = new ArrayList<>(List.of(8));
        NetworkSpec spec = NetworkSpec.of(4, hidden, 3);
        hidden.add(9);

        assertThat(spec.hidden()).containsExactly(8);
        assertThatThrownBy(() -> spec.hidden().add(1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldNameFieldAndValueWhenInvalid() {
        assertThatThrownBy(() -> new NetworkSpec(-1, List.of(), 3, "relu", "adam", 1e-3, 0))
                .hasMessage("inputs must be > 0, was -1");
        assertThatThrownBy(() -> new NetworkSpec(4, List.of(0), 3, "relu", "adam", 1e-3, 0))
                .hasMessage("hidden layer widths must be > 0, was [0]");
        assertThatThrownBy(() -> new NetworkSpec(4, List.of(), 1, "relu", "adam", 1e-3, 0))
                .hasMessage("outputs must be >= 2, was 1");
        assertThatThrownBy(() -> new NetworkSpec(4, List.of(), 3, "gelu", "adam", 1e-3, 0))
                .hasMessage("activation must be one of leakyrelu|relu|sigmoid|tanh, was gelu");
        assertThatThrownBy(() -> new NetworkSpec(4, List.of(), 3, "relu", "rmsprop", 1e-3, 0))
                .hasMessage("updater must be one of adam|nesterovs|sgd, was rmsprop");
        assertThatThrownBy(() -> new NetworkSpec(4, List.of(), 3, "relu", "adam", Double.NaN, 0))
                .hasMessage("learningRate must be finite and > 0, was NaN");
    }

    @Test
    void shouldValidateDistillationSpec() {
        assertThatThrownBy(() -> new DistillationSpec(0, 0.5))
                .hasMessage("temperature must be finite and > 0, was 0.0");
        assertThatThrownBy(() -> new DistillationSpec(1, 1.5))
                .hasMessage("alpha must be in [0, 1], was 1.5");
        assertThat(new DistillationSpec(1, 1).alpha()).isEqualTo(1);
    }
}
