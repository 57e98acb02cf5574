package io.distillery.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The quality run's curve as an SVG: test accuracy against stream position of the teacher, the distilled
 * student and the label-only student, one line each per seed (the first seed solid, the next ones dashed).
 */
final class QualityPlot {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 420;
    private static final int LEFT = 60;
    private static final int RIGHT = 160;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] DASHES = {"", "6,4", "2,3"};

    private record Line(String label, String color, ToDoubleFunction<QualityRun.Point> value) {
    }

    private static final List<Line> LINES = List.of(
        new Line("teacher", "#1f77b4", QualityRun.Point::teacher),
        new Line("distilled student", "#d62728", QualityRun.Point::student),
        new Line("label-only student", "#2ca02c", QualityRun.Point::labelOnly));

    private QualityPlot() {
    }

    static String svg(List<QualityRun.Result> results, String title) {
        double xMax = 0;
        double yMin = 1;
        double yMax = 0;
        for (QualityRun.Result r : results) {
            for (QualityRun.Point p : r.curve()) {
                xMax = Math.max(xMax, p.position());
                for (Line l : LINES) {
                    double v = l.value().applyAsDouble(p);
                    if (!Double.isNaN(v)) {
                        yMin = Math.min(yMin, v);
                        yMax = Math.max(yMax, v);
                    }
                }
            }
        }
        yMin = Math.floor(yMin * 50) / 50;
        yMax = Math.ceil(yMax * 50) / 50;
        Frame f = new Frame(xMax, yMin, yMax);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        out.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">Fashion-MNIST test accuracy "
            + "against stream position (%s)</text>%n", LEFT, title));
        for (double y = yMin; y <= yMax + 1e-9; y += 0.02) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", LEFT, f.y(y), WIDTH - RIGHT, f.y(y),
                LEFT - 6, f.y(y) + 4, y));
        }
        for (int x = 0; x <= xMax; x += 5_000) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", f.x(x), TOP, f.x(x),
                HEIGHT - BOTTOM, f.x(x), HEIGHT - BOTTOM + 16, x));
        }
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">stream records learned "
            + "from by the student</text>%n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 12));
        for (int s = 0; s < results.size(); s++) {
            for (Line l : LINES) {
                List<String> pts = new ArrayList<>();
                for (QualityRun.Point p : results.get(s).curve()) {
                    double v = l.value().applyAsDouble(p);
                    if (!Double.isNaN(v)) {
                        pts.add(String.format(Locale.ROOT, "%.1f,%.1f", f.x(p.position()), f.y(v)));
                    }
                }
                out.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "stroke-dasharray=\"%s\" points=\"%s\"/>%n", l.color(), DASHES[Math.min(s, DASHES.length - 1)],
                    String.join(" ", pts)));
            }
        }
        int y = TOP + 10;
        for (Line l : LINES) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                + "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">%s</text>%n", WIDTH - RIGHT + 10, y, WIDTH - RIGHT + 30,
                y, l.color(), WIDTH - RIGHT + 36, y + 4, l.label()));
            y += 18;
        }
        for (int s = 0; s < results.size(); s++) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\" "
                + "stroke-width=\"2\" stroke-dasharray=\"%s\"/><text x=\"%d\" y=\"%d\">seed %d</text>%n",
                WIDTH - RIGHT + 10, y, WIDTH - RIGHT + 30, y, DASHES[Math.min(s, DASHES.length - 1)],
                WIDTH - RIGHT + 36, y + 4, results.get(s).seed()));
            y += 18;
        }
        return out.append("</svg>\n").toString();
    }

    private record Frame(double xMax, double yMin, double yMax) {
        double x(double v) {
            return LEFT + v / Math.max(1, xMax) * (WIDTH - LEFT - RIGHT);
        }

        double y(double v) {
            return HEIGHT - BOTTOM - (v - yMin) / Math.max(1e-9, yMax - yMin) * (HEIGHT - TOP - BOTTOM);
        }
    }
}
