package io.distillery.modelstore;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which of its own snapshots a restarting role resumes from: the newest one that verifies. Pure logic over
 * the messages of one model read from its checkpoint and snapshot topics (the newest per key: the retained
 * versions).
 *
 * <p>Messages whose manifest cannot even be read (so their version is unknown) are tried first, which names
 * their rejection; then the others from the highest version down, a version's checkpoint (which carries the
 * optimizer state) before its snapshot, until one verifies. Every version seen,
 * verified or not, counts towards {@link Outcome#lastVersion()}: the role numbers its next snapshot above
 * it, so no reader ever takes a new snapshot for a stale one. Stateless; thread-safe.
 */
public final class ResumeSelection {
    /** The version of a message whose manifest cannot be read. */
    public static final long UNKNOWN = -1;

    private ResumeSelection() {
    }

    /**
     * A message of the model.
     *
     * @param value the encoded snapshot, not yet verified
     * @param offset its offset on the snapshot topic
     * @param version the version its manifest names, read without checking the signature, or {@link #UNKNOWN}
     * @param checkpoint whether it was read from the checkpoint topic
     */
    public record Candidate(byte[] value, long offset, long version, boolean checkpoint) {
        /** A message of the snapshot topic with the version its manifest names, unverified. */
        public static Candidate of(byte[] value, long offset) {
            return of(value, offset, false);
        }

        /** A message of the checkpoint topic or of the snapshot topic with the version its manifest names. */
        public static Candidate of(byte[] value, long offset, boolean checkpoint) {
            long version;
            try {
                version = SnapshotCodec.unverifiedManifest(value).version();
            } catch (SnapshotException e) {
                version = UNKNOWN;
            }
            return new Candidate(value, offset, version, checkpoint);
        }
    }

    /**
     * A snapshot passed over because it failed verification.
     *
     * @param detail what the failed check said
     */
    public record Skipped(long version, long offset, boolean checkpoint, Rejection reason, String detail) {
        @Override
        public String toString() {
            return (checkpoint ? "checkpoint " : "") + (version == UNKNOWN ? "unreadable message" : "v" + version)
                + " at offset " + offset + ": " + reason.tag() + ": " + detail;
        }
    }

    /** Verifies one message against every check (see {@link SnapshotVerifier#verify}). */
    @FunctionalInterface
    public interface Verify<P> {
        SnapshotVerifier.Verified<P> verify(byte[] value) throws SnapshotException;
    }

    /**
     * What the selection found.
     *
     * @param chosen the newest snapshot that verifies, or empty when none does
     * @param fromCheckpoint whether the chosen one is a checkpoint
     * @param skipped the snapshots tried before it (or all of them), in the order tried
     * @param lastVersion the highest version seen, verified or not; 0 when there was none
     * @param candidates how many messages of the model the topic held
     */
    public record Outcome<P>(Optional<SnapshotVerifier.Verified<P>> chosen, boolean fromCheckpoint,
                             List<Skipped> skipped, long lastVersion, int candidates) {
        public Outcome {
            skipped = List.copyOf(skipped);
        }

        /**
         * Snapshots exist, but none verifies: a fresh network would replace them. A message whose manifest cannot
         * be read (no version: junk on the topic, not a snapshot of ours) does not count, so that bad messages
         * alone never keep a role from starting.
         */
        public boolean noneVerified() {
            return chosen.isEmpty() && lastVersion > 0;
        }

        /** The chosen snapshot is older than the newest version seen. */
        public boolean older() {
            return chosen.isPresent() && chosen.get().version() < lastVersion;
        }

        /** The skipped snapshots, one after another, for a log line or an error message. */
        public String skippedText() {
            return skipped.stream().map(Skipped::toString).collect(Collectors.joining("; "));
        }
    }

    /** Tries the candidates in order (see the class comment) until one verifies. */
    public static <P> Outcome<P> select(List<Candidate> candidates, Verify<P> verify) {
        List<Candidate> order = new ArrayList<>(candidates);
        order.sort(Comparator.comparing((Candidate c) -> c.version() != UNKNOWN)
            .thenComparing(Comparator.comparingLong(Candidate::version).reversed())
            .thenComparing(Comparator.comparing(Candidate::checkpoint).reversed())
            .thenComparing(Comparator.comparingLong(Candidate::offset).reversed()));
        long last = candidates.stream().mapToLong(Candidate::version).max().orElse(0);
        List<Skipped> skipped = new ArrayList<>();
        for (Candidate c : order) {
            try {
                SnapshotVerifier.Verified<P> v = verify.verify(c.value());
                return new Outcome<>(Optional.of(v), c.checkpoint(), skipped, Math.max(Math.max(last, v.version()), 0),
                    candidates.size());
            } catch (SnapshotException e) {
                String prefix = e.reason() + ": ";
                String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length())
                    : e.getMessage();
                skipped.add(new Skipped(c.version(), c.offset(), c.checkpoint(), e.reason(), detail));
            }
        }
        return new Outcome<>(Optional.empty(), false, skipped, Math.max(last, 0), candidates.size());
    }
}
