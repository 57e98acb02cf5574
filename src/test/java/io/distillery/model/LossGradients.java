package io.distillery.model;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * DL4J's numerical gradient check of one of our loss functions on a small network (5 inputs, a tanh layer
 * of 4, identity outputs into the loss) in double precision. Callers set ND4J's default types to double for
 * the test class, as the check needs.
 */
final class LossGradients {
    private LossGradients() {
    }

    /** Whether the analytic gradients match the numerical ones on 4 seeded random rows. */
    static boolean check(ILossFunction loss, int outputs, INDArray labels) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nIn(4).nOut(outputs).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray input = Nd4j.rand(DataType.DOUBLE, 4, 5).subi(0.5);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                .net(net).input(input).labels(labels)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
    }
}
