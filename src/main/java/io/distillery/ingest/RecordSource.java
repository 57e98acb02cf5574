package io.distillery.ingest;

import io.distillery.records.InputRecord;

/**
 * A finite or endless sequence of input records for {@code produce}. Not thread-safe.
 *
 * <p>Generated sources hand out {@link InputRecord}s (valid by construction); file sources hand out
 * raw payloads, which the publisher validates and dead-letters like any consumer would.
 */
public interface RecordSource extends AutoCloseable {

    /** The next item, or {@code null} at the end of the source. */
    Item next();

    /** A short name for progress lines and dead-letter headers, e.g. {@code synthetic} or a file path. */
    String name();

    @Override
    default void close() {
    }

    /**
     * One item: either a generated record or a raw JSON payload with its position in the source.
     *
     * @param record a generated record, or {@code null}
     * @param raw a raw JSON payload to validate, or {@code null}
     * @param position index of the item in its source (line number for files, from 1)
     * @param rejectDetail for raw items the source itself could not convert (bad CSV row), why; else null
     */
    record Item(InputRecord record, byte[] raw, long position, String rejectDetail) {
        public static Item of(InputRecord record, long position) {
            return new Item(record, null, position, null);
        }

        public static Item raw(byte[] payload, long position) {
            return new Item(null, payload, position, null);
        }

        public static Item unconvertible(byte[] payload, long position, String detail) {
            return new Item(null, payload, position, detail);
        }
    }
}
