package io.distillery.ingest;

import io.distillery.records.InputRecord;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files (as Debian's {@code dataset-fashion-mnist} installs them in
 * {@code /usr/share/datasets/fashion-mnist}): 28×28 images as 784 features scaled to [0, 1], 10 classes.
 * {@link #stream} publishes a split in a seeded order.
 */
public final class FashionMnist {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int FEATURES = 784;
    /** Columns of an image (28 × 28, row-major): the {@code data.image.width} of this data. */
    public static final int WIDTH = 28;
    public static final int CLASSES = 10;
    private static final int IMAGES_MAGIC = 2051;
    private static final int LABELS_MAGIC = 2049;

    /** Which split. */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private FashionMnist() {
    }

    /**
     * Reads a split.
     *
     * @throws IOException naming the file when it is missing or not an IDX file
     */
    public static Dataset load(Path dir, Split split) throws IOException {
        Path images = dir.resolve(split.prefix + "-images-idx3-ubyte.gz");
        Path labels = dir.resolve(split.prefix + "-labels-idx1-ubyte.gz");
        if (!Files.exists(images) || !Files.exists(labels)) {
            throw new IOException("Fashion-MNIST not found in " + dir
                + " (install it with: apt-get install -y dataset-fashion-mnist)");
        }
        float[][] x = readImages(images);
        int[] y = readLabels(labels);
        if (x.length != y.length) {
            throw new IOException(images + " has " + x.length + " images but " + labels + " has " + y.length);
        }
        return new Dataset(x, y);
    }

    /** A shuffled, seeded permutation of [0, n): the order in which a split is streamed. */
    public static int[] order(int n, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** The split as a source, once through in the seeded order; ids are {@code fm-<split>-<index>}. */
    public static RecordSource stream(Dataset data, Split split, long seed, Clock clock) {
        int[] order = order(data.size(), seed);
        return new RecordSource() {
            private int next;

            @Override
            public Item next() {
                if (next >= order.length) {
                    return null;
                }
                int i = order[next];
                InputRecord r = new InputRecord("fm-" + split.prefix + "-" + i, clock.millis(), data.x()[i],
                    data.y()[i]);
                return Item.of(r, next++);
            }

            @Override
            public String name() {
                return "fashion-mnist";
            }
        };
    }

    private static float[][] readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(file + " is not an IDX image file (magic " + magic + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] buf = new byte[rows * cols];
            float[][] x = new float[n][rows * cols];
            for (int i = 0; i < n; i++) {
                in.readFully(buf);
                for (int j = 0; j < buf.length; j++) {
                    x[i][j] = (buf[j] & 0xFF) / 255f;
                }
            }
            return x;
        }
    }

    private static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IOException(file + " is not an IDX label file (magic " + magic + ")");
            }
            int n = in.readInt();
            byte[] buf = new byte[n];
            in.readFully(buf);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = buf[i] & 0xFF;
            }
            return y;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
    }
}
