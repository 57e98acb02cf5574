package io.distillery.serving;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The verified models held by a serving instance and the one being served.
 *
 * <p>Reads of the served model are one lock-free {@link AtomicReference} get; changes (a new verified
 * model, pin, unpin, rollback) are serialized on this object and each ends in a single reference set.
 * Up to {@code capacity} verified models are held, newest last; the served one is never dropped.
 *
 * <p>While pinned, new verified models are held but not served; {@link #unpin()} serves the newest.
 * A model must be newer than every model held so far, else it is refused as
 * {@link Rejection#STALE_VERSION}, also while pinned to an older one.
 */
public final class ModelRegistry {
    /** What is served and held, for metadata and metrics; versions are -1 when absent. */
    public record State(long currentVersion, long previousVersion, boolean pinned, List<Long> heldVersions) {
        public State {
            heldVersions = List.copyOf(heldVersions);
        }
    }

    /** The requested version or a previous one is not held. */
    public static final class NotHeldException extends Exception {
        NotHeldException(String message) {
            super(message, null, false, false);
        }
    }

    private final int capacity;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final List<ServedModel> held = new ArrayList<>();
    private final Consumer<State> onChange;
    private boolean pinned;

    /**
     * @param capacity how many verified models to hold, at least 1
     * @param onChange told the new state after each change, under the lock (keep it quick)
     */
    public ModelRegistry(int capacity, Consumer<State> onChange) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.onChange = onChange;
    }

    /** The served model, or {@code null} before the first verified one. Lock-free. */
    public ServedModel current() {
        return current.get();
    }

    /** The newest version held, or -1. */
    public synchronized long newestVersion() {
        return held.isEmpty() ? -1 : held.get(held.size() - 1).version();
    }

    /**
     * Holds a verified model, and serves it unless pinned.
     *
     * @return whether it is now served
     * @throws SnapshotException {@code STALE_VERSION} when it is not newer than every held model
     */
    public synchronized boolean offer(ServedModel model) throws SnapshotException {
        long newest = newestVersion();
        if (model.version() <= newest) {
            throw new SnapshotException(Rejection.STALE_VERSION, "version " + model.version()
                + " is not newer than version " + newest + " already verified");
        }
        held.add(model);
        if (!pinned) {
            current.set(model);
        }
        trim();
        onChange.accept(state());
        return !pinned;
    }

    /** Serves a held version and keeps serving it until {@link #unpin()}. */
    public synchronized ServedModel pin(long version) throws NotHeldException {
        ServedModel m = find(version).orElseThrow(() -> new NotHeldException("version " + version
            + " is not held; held versions: " + versions()));
        pinned = true;
        current.set(m);
        onChange.accept(state());
        return m;
    }

    /** Serves the newest held model again, and the newest from now on. */
    public synchronized State unpin() {
        pinned = false;
        if (!held.isEmpty()) {
            current.set(held.get(held.size() - 1));
        }
        trim();
        onChange.accept(state());
        return state();
    }

    /** Serves the held model just older than the served one, pinned. */
    public synchronized ServedModel rollback() throws NotHeldException {
        ServedModel previous = previous();
        if (previous == null) {
            throw new NotHeldException("no verified version older than "
                + (current.get() == null ? "none" : "version " + current.get().version()) + " is held");
        }
        pinned = true;
        current.set(previous);
        onChange.accept(state());
        return previous;
    }

    /** A held model by version. */
    public synchronized Optional<ServedModel> find(long version) {
        return held.stream().filter(m -> m.version() == version).findFirst();
    }

    public synchronized State state() {
        ServedModel c = current.get();
        ServedModel p = previous();
        return new State(c == null ? -1 : c.version(), p == null ? -1 : p.version(), pinned, versions());
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
