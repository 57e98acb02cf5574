package io.distillery.serving;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A network whose requests, once armed, wait until released (10 s at most); each counts {@code entered} down. */
record GatedNetwork(ServingNetwork base, AtomicBoolean armed, CountDownLatch entered, CountDownLatch release)
        implements ServingNetwork {
    @Override
    public int inputs() {
        return base.inputs();
    }

    @Override
    public int outputs() {
        return base.outputs();
    }

    @Override
    public float[][] logits(float[][] rows) {
        if (armed.get()) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return base.logits(rows);
    }

    @Override
    public String platform() {
        return base.platform();
    }

    @Override
    public ServingNetwork copy() {
        return new GatedNetwork(base.copy(), armed, entered, release);
    }
}
