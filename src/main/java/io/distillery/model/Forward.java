package io.distillery.model;

import java.util.List;

/**
 * Logits and last hidden layer of a batch, from one forward pass: {@code logits} is {@code [rows][outputs]},
 * {@code hidden} {@code [rows][hidden width]} (an ensemble's: its members' side by side, in member order).
 */
public record Forward(float[][] logits, float[][] hidden) {
    /** The members' hidden rows side by side, row by row, in the order of {@code parts}. */
    static float[][] concat(List<Forward> parts, int rows) {
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            int width = 0;
            for (Forward p : parts) {
                width += p.hidden()[i].length;
            }
            out[i] = new float[width];
            int at = 0;
            for (Forward p : parts) {
                System.arraycopy(p.hidden()[i], 0, out[i], at, p.hidden()[i].length);
                at += p.hidden()[i].length;
            }
        }
        return out;
    }
}
