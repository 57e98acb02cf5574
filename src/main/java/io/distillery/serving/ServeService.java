package io.distillery.serving;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.ServeSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.RoleMetrics;
import io.distillery.service.Health;
import io.distillery.service.HealthCheck;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code serve} role: follows the student snapshot topic, verifies and hot-swaps each snapshot,
 * and answers the Open Inference Protocol v2 REST API, the admin endpoints and {@code /metrics} on
 * {@code serve.port}.
 *
 * <p>Wiring: {@link SnapshotFollower} → {@link SnapshotSwapper} (verify, load, build the copy pool) →
 * {@link ModelRegistry} (one atomic reference) ← {@link InferenceServer}. {@link #start()} starts the
 * HTTP server first (live at once, ready once a model is verified), then the follower; {@link #close()}
 * stops the follower, lets requests in progress finish, then stops the server. Not restartable.
 */
public final class ServeService implements HealthCheck, AutoCloseable {

    private final ServeSettings settings;
    private final ModelRegistry registry;
    private final SnapshotSwapper swapper;
    private final InferenceServer server;
    private final SnapshotFollower follower;

    /**
     * Serves the student snapshots of {@code distill.student.snapshots} on {@code inference.engine}, followed with the
     * {@code kafka.*} settings of {@code config}.
     *
     * @throws io.distillery.config.ConfigException when a setting is invalid or no key verifies snapshots
     */
    public ServeService(Config config, RoleMetrics metrics) {
        this(config, metrics, new NetworkModelLoader(Engine.of(InferenceSettings.from(config).engine())));
    }

    /** As {@link #ServeService(Config, RoleMetrics)} with another loader. */
    public ServeService(Config config, RoleMetrics metrics, ModelLoader loader) {
        this(ServeSettings.from(config), DataSettings.from(config),
            new SnapshotCodec(SnapshotKeys.from(CommonSettings.from(config), false)), loader, metrics,
            listener -> SnapshotFollower.create(config, Topics.STUDENT_SNAPSHOTS, listener, metrics,
                Roles.SERVE));
    }

    /**
     * For embedding and tests.
     *
     * @param follower makes the follower that feeds the given listener, or {@code null} for none:
     *                 snapshots then come only through {@link #snapshotListener()}
     */
    public ServeService(ServeSettings settings, DataSettings data, SnapshotCodec codec, ModelLoader loader,
                        RoleMetrics metrics, Function<SnapshotFollower.Listener, SnapshotFollower> follower) {
        this.settings = Objects.requireNonNull(settings, "settings");
        ServeMetrics meters = new ServeMetrics(metrics, Models.STUDENT);
        this.registry = new ModelRegistry(settings.history(), meters::state);
        this.swapper = new SnapshotSwapper(Models.STUDENT, data.features(), data.classes(), settings.threads(), codec,
            Objects.requireNonNull(loader, "loader"), registry, meters);
        this.server = new InferenceServer(settings, Models.STUDENT, data.features(), data.classes(), registry, meters);
        this.follower = follower == null ? null : follower.apply(swapper);
    }

    /**
     * Binds the port and starts following.
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public void start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind " + settings.host() + ":" + settings.port(), e);
        }
        if (follower != null) {
            follower.start();
        }
    }

    /** The base URL of the API, e.g. {@code http://127.0.0.1:8080/} (a wildcard bind reads as loopback). */
    public URI url() {
        String host = settings.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    /** The bound port (useful with {@code serve.port=0}). */
    public int port() {
        return server.port();
    }

    /** Feeds one encoded snapshot message as the follower would (for embedding and tests). */
    public SnapshotFollower.Listener snapshotListener() {
        return swapper;
    }

    /** The served and held versions and the pin state. */
    public ModelRegistry.State state() {
        return registry.state();
    }

    /** The follower, or {@code null} when snapshots are fed through {@link #snapshotListener()}. */
    public SnapshotFollower follower() {
        return follower;
    }

    @Override
    public String name() {
        return "serve";
    }

    /** The follower's health; without a follower (snapshots fed by hand), up. */
    @Override
    public Health health() {
        return follower == null ? Health.up("no follower: snapshots are fed directly") : follower.health();
    }

    @Override
    public Throwable failure() {
        return follower == null ? null : follower.failure();
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
        server.close();
    }
}
