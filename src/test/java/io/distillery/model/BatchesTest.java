package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.spec.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class BatchesTest {

    @Test
    void shouldReadRowsOfEveryLayoutLikeToFloatMatrix() {
        INDArray c = Nd4j.rand(DataType.FLOAT, 7, 5);
        INDArray f = c.dup('f');
        INDArray view = Nd4j.rand(DataType.FLOAT, 9, 6).get(NDArrayIndex.interval(2, 6), NDArrayIndex.interval(1, 4));
        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 3, 4);

        for (INDArray m : List.of(c, f, view, f.transpose(), doubles, Nd4j.rand(DataType.FLOAT, 1, 10))) {
            assertThat(Batches.rows(m)).isDeepEqualTo(m.toFloatMatrix());
        }
    }

    @Test
    void shouldBuildFloatMatrixOfTheRows() {
        float[][] x = new SyntheticBlobs(5, 7, 2, 1).x;

        for (float[][] rows : List.of(x, new float[][] {x[0]})) {
            INDArray m = Batches.features(rows, 7);
            assertThat(m.dataType()).isEqualTo(DataType.FLOAT);
            assertThat(m.shape()).containsExactly(rows.length, 7);
            assertThat(m.toFloatMatrix()).isDeepEqualTo(rows);
        }
        assertThat(Batches.features(new float[0][], 7).shape()).containsExactly(0, 7);
    }

    @Test
    void shouldGiveLogitsEqualToDl4jOutput() {
        Network network = Network.teacher(new NetworkSpec(20, List.of(9), 4, "tanh", "adam", 1e-2, 3));
        float[][] x = new SyntheticBlobs(33, 20, 4, 1).x;
        float[][] one = {x[0]};

        assertThat(network.logits(x)).isDeepEqualTo(dl4jOutput(network, x));
        assertThat(network.logits(one)).isDeepEqualTo(dl4jOutput(network, one));
    }

    /** What logits were before: a matrix built from one flat array, read back with toFloatMatrix. */
    private static float[][] dl4jOutput(Network network, float[][] rows) {
        int width = rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        INDArray x = Nd4j.create(flat, new long[] {rows.length, width}, DataType.FLOAT);
        return network.dl4j().output(x, false).toFloatMatrix();
    }
}
