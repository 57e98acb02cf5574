package io.distillery.teacher;

import java.util.ArrayList;
import java.util.List;

/**
 * One immutable decision state of {@link EmissionPolicy}: the overall share of unlabeled records that get
 * logits, the share per teacher-predicted class, and how many records of a drift response are left.
 * Never mutated after construction, so readers need no lock.
 *
 * @param share overall share, in (0, 1]
 * @param classShares share by class; a class beyond the array's end gets {@code share}
 * @param classWeights records per class in the window the shares came from (for {@link #expected()})
 * @param driftRemaining records left in the current drift response, 0 when none
 */
record EmissionState(double share, double[] classShares, long[] classWeights, long driftRemaining) {

    /** Every record gets logits: the start, a drift response, or its end. */
    static EmissionState full(long driftRemaining) {
        return new EmissionState(1.0, new double[0], new long[0], driftRemaining);
    }

    double share(int cls) {
        return cls >= 0 && cls < classShares.length ? classShares[cls] : share;
    }

    /** The share of unlabeled records expected to get logits, weighting classes by the window's counts. */
    double expected() {
        long total = 0;
        double weighted = 0;
        for (int c = 0; c < Math.min(classShares.length, classWeights.length); c++) {
            total += classWeights[c];
            weighted += classWeights[c] * classShares[c];
        }
        return total == 0 ? share : weighted / total;
    }

    /** Classes whose share is above the overall share. */
    List<Integer> boostedClasses() {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < classShares.length; c++) {
            if (classShares[c] > share) {
                out.add(c);
            }
        }
        return out;
    }

    EmissionState withDriftRemaining(long remaining) {
        return new EmissionState(share, classShares, classWeights, remaining);
    }
}
