package io.distillery.serving;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The verified models held by a serving instance, the one being served and the candidate waiting to be.
 *
 * <p>Reads of the served model are one lock-free {@link AtomicReference} get; changes (a new verified
 * model, promotion, refusal, pin, unpin, rollback) are serialized on this object and each ends in a single
 * reference set. Up to {@code capacity} verified models are held, newest last; the served one is never
 * dropped.
 *
 * <p>A new model is served at once when nothing is served yet, or in {@code immediate} mode unless pinned;
 * there a model that arrives while an operator pins another is held, not served, and {@link #unpin()}
 * serves the newest. Otherwise (in {@code shadow} mode, or after an automatic rollback) it becomes the
 * <em>candidate</em>: scored but never answering a request, not held, until {@link #promote} serves it or
 * {@link #refuse} drops it. A candidate is decided before the next one: a model that arrives meanwhile waits
 * (a newer one replaces it) and becomes the candidate after the decision, so a student publishing faster than
 * a decision takes is still promoted, at the newest version each time. A model must be newer than every
 * model offered so far, else it is refused as {@link Rejection#STALE_VERSION}.
 *
 * <p>{@link #rollBack} is the automatic rollback: it drops the served version and serves the previous one,
 * pinned until a candidate is promoted. An operator's {@link #pin} or {@link #rollback()} stops promotion
 * and automatic rollback until {@link #unpin()}.
 */
public final class ModelRegistry {
    /** Who pinned the served version. */
    public enum Pin {
        NONE(null), OPERATOR("operator"), ROLLBACK("rollback");

        private final String tag;

        Pin(String tag) {
            this.tag = tag;
        }

        /** {@code operator}, {@code rollback}, or {@code null} when not pinned. */
        public String tag() {
            return tag;
        }
    }

    /** Why a version was dropped: a refused candidate or a served version rolled back. */
    public record Refusal(long version, String reason, long atMs) {
    }

    /**
     * What is served and held, for metadata and metrics; versions are -1 when absent.
     *
     * @param lastRefusal the last refused candidate or rolled-back version, or {@code null}
     */
    public record State(long currentVersion, long previousVersion, Pin pin, List<Long> heldVersions,
                        long candidateVersion, Refusal lastRefusal) {
        public State {
            heldVersions = List.copyOf(heldVersions);
        }

        public boolean pinned() {
            return pin != Pin.NONE;
        }
    }

    /** The models scored together: served, previous and candidate ({@code null} when absent). */
    record Lineup(ServedModel served, ServedModel previous, ServedModel candidate, boolean operatorPinned) {
        PromotionPolicy.Lineup versions() {
            return new PromotionPolicy.Lineup(version(served), version(previous), version(candidate), operatorPinned);
        }

        private static long version(ServedModel m) {
            return m == null ? -1 : m.version();
        }
    }

    /** Where {@link #offer} put a model. */
    enum Placement {
        SERVED, HELD, CANDIDATE, WAITING, REPLACED_WAITING;

        boolean served() {
            return this == SERVED;
        }

        boolean candidate() {
            return this == CANDIDATE;
        }
    }

    /** The requested version or a previous one is not held. */
    public static final class NotHeldException extends Exception {
        NotHeldException(String message) {
            super(message, null, false, false);
        }
    }

    private final int capacity;
    private final boolean shadow;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final List<ServedModel> held = new ArrayList<>();
    private final Consumer<State> onChange;
    private ServedModel candidate;
    private ServedModel waiting;
    private Pin pin = Pin.NONE;
    private long newest = -1;
    private Refusal lastRefusal;

    /**
     * @param capacity how many verified models to hold, at least 1
     * @param shadow whether a new model waits as a candidate ({@code shadow}) or is served at once
     * @param onChange told the new state after each change, under the lock (keep it quick)
     */
    public ModelRegistry(int capacity, boolean shadow, Consumer<State> onChange) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.shadow = shadow;
        this.onChange = onChange;
    }

    /** The served model, or {@code null} before the first verified one. Lock-free. */
    public ServedModel current() {
        return current.get();
    }

    /** The newest version offered (held, candidate or dropped since), or -1. */
    public synchronized long newestVersion() {
        return newest;
    }

    /**
     * Serves, holds or makes a candidate of a verified model (see the class comment).
     *
     * @throws SnapshotException {@code STALE_VERSION} when it is not newer than every model offered so far
     */
    synchronized Placement offer(ServedModel model) throws SnapshotException {
        if (model.version() <= newest) {
            throw new SnapshotException(Rejection.STALE_VERSION, "version " + model.version()
                + " is not newer than version " + newest + " already verified");
        }
        newest = model.version();
        Placement placement;
        if (current.get() == null || !shadow && pin != Pin.ROLLBACK) {
            held.add(model);
            placement = pin == Pin.NONE || current.get() == null ? Placement.SERVED : Placement.HELD;
            if (placement.served()) {
                current.set(model);
            }
            trim();
        } else {
            if (candidate == null) {
                candidate = model;
                placement = Placement.CANDIDATE;
            } else {
                placement = waiting == null ? Placement.WAITING : Placement.REPLACED_WAITING;
                if (waiting != null) {
                    waiting.retire();
                }
                waiting = model;
            }
        }
        onChange.accept(state());
        return placement;
    }

    /** Serves the candidate of that version, unless it is gone or an operator pinned a version. */
    synchronized boolean promote(long version) {
        if (candidate == null || candidate.version() != version || pin == Pin.OPERATOR) {
            return false;
        }
        held.add(candidate);
        current.set(candidate);
        candidate = null;
        pin = Pin.NONE;
        nextCandidate();
        trim();
        onChange.accept(state());
        return true;
    }

    /** Drops the candidate of that version, remembering why; false when it is gone. */
    synchronized boolean refuse(long version, String reason, long atMs) {
        if (candidate == null || candidate.version() != version) {
            return false;
        }
        candidate.retire();
        candidate = null;
        nextCandidate();
        lastRefusal = new Refusal(version, reason, atMs);
        onChange.accept(state());
        return true;
    }

    /**
     * The automatic rollback: drops the served version {@code version} and serves the previous one, pinned
     * until a candidate is promoted. Nothing happens (null) when an operator pinned a version, another
     * version is served by now, or no previous one is held.
     *
     * @return the version now served, or {@code null}
     */
    synchronized ServedModel rollBack(long version, String reason, long atMs) {
        ServedModel bad = current.get();
        ServedModel previous = previous();
        if (pin == Pin.OPERATOR || bad == null || bad.version() != version || previous == null) {
            return null;
        }
        held.remove(bad);
        bad.retire();
        current.set(previous);
        pin = Pin.ROLLBACK;
        lastRefusal = new Refusal(version, "rolled back: " + reason, atMs);
        onChange.accept(state());
        return previous;
    }

    /** Serves a held version and keeps serving it until {@link #unpin()}. */
    public synchronized ServedModel pin(long version) throws NotHeldException {
        ServedModel m = find(version).orElseThrow(() -> new NotHeldException("version " + version
            + " is not held; held versions: " + versions()));
        pin = Pin.OPERATOR;
        current.set(m);
        onChange.accept(state());
        return m;
    }

    /** Serves the newest held model again, and new ones as the promotion mode says from now on. */
    public synchronized State unpin() {
        pin = Pin.NONE;
        if (!held.isEmpty()) {
            current.set(held.get(held.size() - 1));
        }
        trim();
        onChange.accept(state());
        return state();
    }

    /** Serves the held model just older than the served one, pinned by the operator. */
    public synchronized ServedModel rollback() throws NotHeldException {
        ServedModel previous = previous();
        if (previous == null) {
            throw new NotHeldException("no verified version older than "
                + (current.get() == null ? "none" : "version " + current.get().version()) + " is held");
        }
        pin = Pin.OPERATOR;
        current.set(previous);
        onChange.accept(state());
        return previous;
    }

    /** A held model by version (never the candidate: it answers no request). */
    public synchronized Optional<ServedModel> find(long version) {
        return held.stream().filter(m -> m.version() == version).findFirst();
    }

    public synchronized State state() {
        ServedModel c = current.get();
        ServedModel p = previous();
        return new State(c == null ? -1 : c.version(), p == null ? -1 : p.version(), pin, versions(),
            candidate == null ? -1 : candidate.version(), lastRefusal);
    }

    /** The models to score now. */
    synchronized Lineup lineup() {
        return new Lineup(current.get(), previous(), candidate, pin == Pin.OPERATOR);
    }

    /** Retires the candidate and the model waiting (the held models are retired as they are dropped). */
    synchronized void close() {
        if (candidate != null) {
            candidate.retire();
            candidate = null;
        }
        if (waiting != null) {
            waiting.retire();
            waiting = null;
        }
    }

    /** After a decision: the newest model that arrived meanwhile is the next candidate. */
    private void nextCandidate() {
        candidate = waiting;
        waiting = null;
    }

    private ServedModel previous() {
        ServedModel c = current.get();
        ServedModel best = null;
        for (ServedModel m : held) {
            if (c != null && m.version() < c.version()) {
                best = m;
            }
        }
        return best;
    }

    private List<Long> versions() {
        return held.stream().map(ServedModel::version).toList();
    }

    private void trim() {
        ServedModel c = current.get();
        for (int i = 0; held.size() > capacity && i < held.size(); ) {
            if (held.get(i) == c) {
                i++;
            } else {
                held.remove(i).retire();
            }
        }
    }
}
