package io.distillery.serving;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.PromotionSettings;
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
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.TopicFollower;
import io.distillery.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The {@code serve} role: follows the student snapshot topic, verifies and hot-swaps each snapshot,
 * and answers the Open Inference Protocol v2 REST API, the admin endpoints and {@code /metrics} on
 * {@code serve.port}.
 *
 * <p>Wiring: {@link SnapshotFollower} → {@link SnapshotSwapper} (verify, load, build the copy pool) →
 * {@link ModelRegistry} (one atomic reference) ← {@link InferenceServer}; a {@link TopicFollower} of
 * {@code distill.teacher.logits} → {@link VersionScorer} (scores the served, previous and candidate versions,
 * promotes, refuses, rolls back) → {@link ModelRegistry}. {@link #start()} starts the
 * HTTP server first (live at once, ready once a model is verified), then the follower; {@link #close()}
 * stops the follower, lets requests in progress finish, then stops the server. Not restartable.
 */
public final class ServeService implements HealthCheck, AutoCloseable {

    private final ServeSettings settings;
    private final ModelRegistry registry;
    private final SnapshotSwapper swapper;
    private final InferenceServer server;
    private final SnapshotFollower follower;
    private final VersionScorer scorer;
    private final TopicFollower logits;

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
        this(ServeSettings.from(config), PromotionSettings.from(config), DataSettings.from(config),
            new SnapshotCodec(SnapshotKeys.from(CommonSettings.from(config), false)), loader, metrics,
            listener -> SnapshotFollower.create(config, Topics.STUDENT_SNAPSHOTS, listener, metrics, Roles.SERVE),
            handler -> logitsFollower(config, metrics, handler));
    }

    /**
     * For embedding and tests: {@code immediate} promotion, and no scoring (nothing rolls back on its own).
     *
     * @param follower makes the follower that feeds the given listener, or {@code null} for none:
     *                 snapshots then come only through {@link #snapshotListener()}
     */
    public ServeService(ServeSettings settings, DataSettings data, SnapshotCodec codec, ModelLoader loader,
                        RoleMetrics metrics, Function<SnapshotFollower.Listener, SnapshotFollower> follower) {
        this(settings, PromotionSettings.IMMEDIATE, data, codec, loader, metrics, follower, null);
    }

    /**
     * For embedding and tests.
     *
     * @param follower makes the follower that feeds the given listener, or {@code null} for none:
     *                 snapshots then come only through {@link #snapshotListener()}
     * @param logits makes the follower of {@code distill.teacher.logits} that feeds the given handler with
     *               the rows to score, or {@code null} for none: then nothing is scored, a candidate is never
     *               promoted and nothing rolls back on its own
     */
    public ServeService(ServeSettings settings, PromotionSettings promotion, DataSettings data, SnapshotCodec codec,
                        ModelLoader loader, RoleMetrics metrics,
                        Function<SnapshotFollower.Listener, SnapshotFollower> follower,
                        Function<TopicFollower.Handler, TopicFollower> logits) {
        this.settings = Objects.requireNonNull(settings, "settings");
        ServeMetrics meters = new ServeMetrics(metrics, Models.STUDENT);
        this.registry = new ModelRegistry(settings.history(), promotion.shadow(), meters::state);
        this.swapper = new SnapshotSwapper(Models.STUDENT, data.features(), data.classes(), settings.threads(), codec,
            Objects.requireNonNull(loader, "loader"), registry, meters);
        this.scorer = logits == null ? null
            : new VersionScorer(promotion, registry, meters, Clock.systemUTC(), data.features(), data.classes());
        this.server = new InferenceServer(settings, Models.STUDENT, data.features(), data.classes(), registry, meters,
            promotion.mode(), scorer);
        this.follower = follower == null ? null : follower.apply(swapper);
        this.logits = logits == null ? null : logits.apply(scorer::onRecords);
    }

    /** Follows {@code distill.teacher.logits} from its end, without a group, for the rows to score. */
    private static TopicFollower logitsFollower(Config config, RoleMetrics metrics, TopicFollower.Handler handler) {
        MeteredClients metered = new MeteredClients(ClientFactory.KAFKA, metrics, Roles.SERVE);
        Consumer<byte[], byte[]> consumer = metered.consumer(KafkaClients.followerConsumer(config, Map.of()));
        return new TopicFollower("teacher-logits-scorer", consumer, metered, Topics.TEACHER_LOGITS.name(),
            TopicFollower.StartAt.lastMessages(0), handler, CommonSettings.from(config).stuckAfter(),
            Clock.systemUTC());
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
        if (logits != null) {
            logits.start();
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

    /** The followers' health; without a snapshot follower (snapshots fed by hand), up. */
    @Override
    public Health health() {
        Health snapshots = follower == null ? Health.up("no follower: snapshots are fed directly")
            : follower.health();
        return !snapshots.healthy() || logits == null ? snapshots : logits.health();
    }

    @Override
    public Throwable failure() {
        Throwable f = follower == null ? null : follower.failure();
        return f != null || logits == null ? f : logits.failure();
    }

    @Override
    public void close() {
        if (logits != null) {
            logits.close();
        }
        if (follower != null) {
            follower.close();
        }
        server.close();
        registry.close();
    }
}
