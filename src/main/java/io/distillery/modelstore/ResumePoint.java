package io.distillery.modelstore;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotSlots;
import io.distillery.topics.Offsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a role that trains a model starts again after a restart: the newest of its own retained checkpoints and
 * snapshots that verifies ({@link ResumeSelection}), and the version its next snapshot must be above. A checkpoint
 * carries the optimizer state, so training goes on as if the role had not stopped; a snapshot is chosen when no
 * checkpoint of its version or a newer one verifies (one written before checkpoints existed carries the state too;
 * from a newer one training goes on with a fresh optimizer state, which is logged and counted in
 * {@code distill.resume.starts} by source).
 *
 * <p>When snapshots exist but none verifies, the role refuses to start ({@link ColdStartRefused}, naming
 * each rejection) unless {@code snapshot.allow.cold.start} is set; then it starts a fresh network whose
 * versions continue above every one seen. Counted in {@code distill.resume.starts}, {@code distill.resume.cold.starts},
 * {@code distill.resume.older} and {@code distill.resume.skipped}.
 *
 * @param restored the snapshot the role resumes from, or empty for a fresh network
 * @param lastVersion the highest version on the topic, verified or not (0 when there is none): the role's
 *     next snapshot is numbered above it
 */
public record ResumePoint(Optional<Restored> restored, long lastVersion) {
    private static final Logger LOG = LoggerFactory.getLogger(ResumePoint.class);
    /** {@code distill.resume.starts}' sources. */
    private static final String CHECKPOINT = "checkpoint";
    private static final String SNAPSHOT = "snapshot";
    /** How long a role waits to read its own snapshot topic to the end before it retries. */
    public static final Duration CATCH_UP = Duration.ofMinutes(2);

    /**
     * A verified checkpoint or snapshot to resume from.
     *
     * @param network the network to go on training, optimizer state included
     * @param published the network published at that version, with its ONNX graph: the snapshot of the version
     *     when it verifies (a weight average, when the role publishes one), else the network trained
     * @param version the version
     * @param fromCheckpoint whether it was a checkpoint (else a snapshot, whose optimizer state may be fresh)
     * @param offsets where to seek each input partition: the offset in the snapshot's manifest, or the
     *     beginning of the partition when that is later (records deleted by retention) or the manifest
     *     does not name it
     */
    public record Restored(Network network, CheckedNetwork published, long version, boolean fromCheckpoint,
                           Map<TopicPartition, Long> offsets) {
        public Restored {
            offsets = Map.copyOf(offsets);
        }
    }

    /** A role whose snapshots all fail verification, and which may not start cold. */
    public static final class ColdStartRefused extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ColdStartRefused(String message) {
            super(message);
        }
    }

    /**
     * One of a role's own topics to resume from.
     *
     * @param topic its name
     * @param checkpoints whether it holds checkpoints (else snapshots)
     * @param follower makes a follower of it, given the listener that collects the model's messages
     */
    record Source(String topic, boolean checkpoints, Function<SnapshotFollower.Listener, SnapshotFollower> follower) {
    }

    /**
     * Reads the model's messages from each source (followers started and closed here) and chooses where to start.
     *
     * @param input the role's input consumer, for the beginning offsets
     * @param parts the role's input partitions
     * @throws TimeoutException (retriable) when a topic could not be read to its end in time
     * @throws ColdStartRefused when snapshots exist, none verifies, and a cold start is not allowed
     */
    static ResumePoint read(String model, List<Source> sources, ResumeSelection.Verify<CheckedNetwork> verify,
                            boolean allowColdStart, RoleMetrics metrics, String role, Consumer<?, ?> input,
                            List<TopicPartition> parts) throws InterruptedException {
        List<ResumeSelection.Candidate> seen = Collections.synchronizedList(new ArrayList<>());
        List<SnapshotFollower> followers = new ArrayList<>();
        try {
            for (Source source : sources) {
                SnapshotFollower f = source.follower().apply((key, value, offset) -> {
                    if (model.equals(SnapshotSlots.model(key))) {
                        seen.add(ResumeSelection.Candidate.of(value, offset, source.checkpoints()));
                    }
                    return false;
                });
                followers.add(f);
                f.start();
            }
            for (int i = 0; i < sources.size(); i++) {
                if (!followers.get(i).awaitCaughtUp(CATCH_UP)) {
                    throw new TimeoutException("could not read " + sources.get(i).topic() + " to its end within "
                        + CATCH_UP.toSeconds() + " s");
                }
            }
        } finally {
            followers.forEach(SnapshotFollower::close);
        }
        String topics = sources.stream().map(Source::topic).collect(Collectors.joining(" and "));
        // every series from the start, at 0, so that the alerts' and the dashboard's queries have one to read
        metrics.counter(Metrics.RESUME_OLDER, role, model);
        metrics.counter(Metrics.RESUME_STARTS, role, model, CHECKPOINT);
        metrics.counter(Metrics.RESUME_STARTS, role, model, SNAPSHOT);
        for (Rejection r : Rejection.values()) {
            metrics.counter(Metrics.RESUME_SKIPPED, role, model, r.tag());
        }
        List<ResumeSelection.Candidate> candidates = List.copyOf(seen);
        ResumeSelection.Outcome<CheckedNetwork> outcome = ResumeSelection.select(candidates, verify);
        outcome.skipped().forEach(s -> metrics.counter(Metrics.RESUME_SKIPPED, role, model, s.reason().tag())
            .increment());
        if (outcome.chosen().isPresent()) {
            return resumed(model, outcome, published(outcome, candidates, verify), metrics, role, input, parts);
        }
        if (outcome.noneVerified() && !allowColdStart) {
            throw new ColdStartRefused(refusal(model, topics, outcome));
        }
        String reason = outcome.noneVerified() ? "none_verified" : "no_snapshot";
        metrics.counter(Metrics.RESUME_COLD_STARTS, role, model, reason).increment();
        if (outcome.noneVerified()) {
            LOG.warn("{} starts a fresh network over {} snapshot(s) of which none verifies "
                + "(snapshot.allow.cold.start=true); its next version is v{}: {}", model, outcome.candidates(),
                outcome.lastVersion() + 1, outcome.skippedText());
        }
        return new ResumePoint(Optional.empty(), outcome.lastVersion());
    }

    /**
     * Why a role refuses to start cold: each snapshot it found and why it was rejected, and what to do.
     *
     * @param topics the topics read, as a phrase
     */
    static String refusal(String model, String topics, ResumeSelection.Outcome<?> outcome) {
        return "refusing to start " + model + " with a fresh network: " + outcome.candidates() + " snapshot(s) of "
            + model + " on " + topics + ", none verifies: " + outcome.skippedText() + ". Trust their signing key "
            + "(snapshot.verify.keys), or set snapshot.allow.cold.start=true to start a fresh network at v"
            + (outcome.lastVersion() + 1);
    }

    /**
     * The network published at the chosen version: for a checkpoint, the snapshot of its version when one verifies
     * (it differs from the checkpoint's network when the role publishes a weight average), else the chosen network.
     */
    private static CheckedNetwork published(ResumeSelection.Outcome<CheckedNetwork> outcome,
                                            List<ResumeSelection.Candidate> candidates,
                                            ResumeSelection.Verify<CheckedNetwork> verify) {
        SnapshotVerifier.Verified<CheckedNetwork> chosen = outcome.chosen().orElseThrow();
        if (outcome.fromCheckpoint()) {
            for (ResumeSelection.Candidate c : candidates) {
                if (!c.checkpoint() && c.version() == chosen.version()) {
                    try {
                        return verify.verify(c.value()).model();
                    } catch (SnapshotException e) {
                        LOG.warn("the snapshot of checkpoint v{} does not verify ({}); what was published at v{} is "
                            + "taken to be the checkpoint's network", chosen.version(), e.getMessage(),
                            chosen.version());
                    }
                }
            }
        }
        return chosen.model();
    }

    private static ResumePoint resumed(String model, ResumeSelection.Outcome<CheckedNetwork> outcome,
                                       CheckedNetwork published, RoleMetrics metrics, String role,
                                       Consumer<?, ?> input, List<TopicPartition> parts) {
        SnapshotVerifier.Verified<CheckedNetwork> v = outcome.chosen().orElseThrow();
        metrics.counter(Metrics.RESUME_STARTS, role, model, outcome.fromCheckpoint() ? CHECKPOINT : SNAPSHOT)
            .increment();
        if (outcome.older()) {
            metrics.counter(Metrics.RESUME_OLDER, role, model).increment();
            LOG.warn("{} resumes from v{}, older than v{} on the topic; its next version is v{}. Passed over: {}",
                model, v.version(), outcome.lastVersion(), outcome.lastVersion() + 1, outcome.skippedText());
        } else if (!outcome.skipped().isEmpty()) {
            LOG.warn("{} resumes from v{}; passed over: {}", model, v.version(), outcome.skippedText());
        }
        if (!outcome.fromCheckpoint()) {
            LOG.warn("{} resumes from a snapshot, v{}: no checkpoint of that version or a newer one verifies; a "
                + "snapshot written before checkpoints existed carries the optimizer state, a newer one does not, and "
                + "then training goes on with a fresh optimizer state", model, v.version());
        }
        Map<TopicPartition, Long> inManifest = Offsets.fromManifest(v.manifest().inputOffsets());
        Map<TopicPartition, Long> beginning = input.beginningOffsets(parts);
        Map<TopicPartition, Long> seek = new HashMap<>();
        for (TopicPartition tp : parts) {
            seek.put(tp, Math.max(beginning.getOrDefault(tp, 0L), inManifest.getOrDefault(tp, 0L)));
        }
        return new ResumePoint(Optional.of(new Restored(v.model().network(), published, v.version(),
            outcome.fromCheckpoint(), seek)), outcome.lastVersion());
    }
}
