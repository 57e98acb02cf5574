package io.distillery.ingest;

import io.distillery.records.InputRecord;
import io.distillery.records.InputCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Records from a file: JSON lines (one input record of DESIGN.md per line) or CSV.
 *
 * <p>CSV: an optional header line (skipped when its first cell is not a number); then one record per
 * line, {@code id,label,f1,...,fn} with an empty label for an unlabeled record. A row that is not
 * numeric is handed out as unconvertible, so the publisher dead-letters it with its line number.
 * Blank lines are skipped. Not thread-safe.
 */
public final class FileSource implements RecordSource {
    /** The file format. */
    public enum Format { JSONL, CSV }

    private final Path path;
    private final Format format;
    private final BufferedReader reader;
    private final Clock clock;
    private final InputCodec codec;
    private long line;

    public FileSource(Path path, Format format, InputCodec codec, Clock clock) throws IOException {
        this.path = path;
        this.format = format;
        this.codec = codec;
        this.clock = clock;
        this.reader = Files.newBufferedReader(path, StandardCharsets.UTF_8);
    }

    /** JSONL for {@code .jsonl}/{@code .json}/{@code .ndjson}, CSV for {@code .csv}. */
    public static Format formatOf(Path path) {
        String n = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".csv")) {
            return Format.CSV;
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
            return Format.JSONL;
        }
        throw new IllegalArgumentException("cannot tell the format of " + path + ": name it .jsonl or .csv");
    }

    @Override
    public Item next() {
        try {
            String text;
            do {
                text = reader.readLine();
                line++;
                if (text == null) {
                    return null;
                }
            } while (text.isBlank() || (format == Format.CSV && line == 1 && isHeader(text)));
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return format == Format.JSONL ? Item.raw(bytes, line) : csv(text, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private Item csv(String text, byte[] bytes) {
        String[] cells = text.split(",", -1);
        if (cells.length < 3) {
            return Item.unconvertible(bytes, line, "line " + line + ": expected id,label,features...");
        }
        try {
            String labelCell = cells[1].trim();
            int label = labelCell.isEmpty() ? InputRecord.NO_LABEL : Integer.parseInt(labelCell);
            float[] x = new float[cells.length - 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = Float.parseFloat(cells[i + 2].trim());
            }
            // Re-encode as JSON so the record is validated exactly like one read from a topic.
            return Item.raw(codec.encode(new InputRecord(cells[0].trim(), clock.millis(), x, label)), line);
        } catch (NumberFormatException e) {
            return Item.unconvertible(bytes, line, "line " + line + ": " + e.getMessage());
        }
    }

    private static boolean isHeader(String text) {
        String[] cells = text.split(",", -1);
        if (cells.length < 3) {
            return false;
        }
        try {
            Float.parseFloat(cells[2].trim());
            return false;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
