package io.distillery.feedback;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.ConfigException;
import io.distillery.config.DataSettings;
import io.distillery.config.MonitorSettings;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.EventTimeBound;
import io.distillery.records.MessageChecks;
import io.distillery.service.Backoff;
import io.distillery.service.Health;
import io.distillery.service.HealthCheck;
import io.distillery.spec.Roles;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code monitor} role: runs {@link MonitorTopology} in a {@link KafkaStreams} client with
 * exactly-once v2, and exports Kafka Streams' client metrics and the monitor's own (see
 * {@link FeedbackMetrics}) to the role's registry.
 *
 * <p>Kafka settings: every {@code kafka.*} key passes through (security, SASL, SSL,
 * {@code bootstrap.servers}, Streams tuning); {@code application.id} comes from
 * {@code monitor.application.id} and {@code processing.guarantee} is always {@code exactly_once_v2}.
 * Evaluations that do not decode or fail their checks go to {@code distill.deadletter} with the reason.
 * A stream thread stopped by the broker's absence is replaced after a {@link Backoff} (health says it
 * waits); any other exception escaping the topology shuts the client down ({@link #isRunning()} turns
 * false) so the process can exit and be restarted; state is restored from the changelogs.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #close()} once; close blocks up to 30 s.
 */
public final class MonitorService implements HealthCheck, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private final KafkaClientMeters streamsMetrics;
    private final long stuckAfterMs;
    private final Backoff backoff = new Backoff();
    private volatile long waitingSinceMs = -1;
    private volatile String waitingOn = "";
    private volatile boolean closed;

    /**
     * @throws ConfigException when a setting is invalid or {@code kafka.bootstrap.servers} is missing
     */
    public MonitorService(Config config, RoleMetrics metrics) {
        MonitorSettings settings = MonitorSettings.from(config);
        DataSettings data = DataSettings.from(config);
        EventTimeBound eventTime = new EventTimeBound(data.maxFutureMs(), Clock.systemUTC());
        Properties properties = streamsProperties(config, settings);
        this.streams = new KafkaStreams(
            MonitorTopology.build(settings, new FeedbackMetrics(metrics, Roles.MONITOR, settings.classes(),
                    settings.windowMs(), Clock.systemUTC()),
                new MessageChecks(data.features(), data.classes(), eventTime), eventTime, properties),
            properties);
        this.stuckAfterMs = CommonSettings.from(config).stuckAfterMs();
        this.streams.setUncaughtExceptionHandler(this::onStreamThreadError);
        this.streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                synchronized (backoff) {
                    backoff.reset();
                    waitingSinceMs = -1;
                }
            }
        });
        this.streamsMetrics = KafkaClientMeters.bind(metrics, Roles.MONITOR, streams);
    }

    /**
     * A stream thread died. When the broker was away (a Kafka {@link RetriableException} such as a timeout
     * among the causes) the thread is replaced after the backoff of every loop: its tasks start again from
     * the last committed transaction and the changelogs. Anything else shuts the client down and the role
     * exits.
     */
    private StreamThreadExceptionResponse onStreamThreadError(Throwable e) {
        if (!brokerAway(e)) {
            LOG.error("monitor stream thread failed; shutting the monitor down", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        long delay;
        synchronized (backoff) {
            delay = backoff.nextDelayMs();
            if (waitingSinceMs < 0) {
                waitingSinceMs = System.currentTimeMillis();
            }
            waitingOn = rootCause(e).toString();
        }
        LOG.warn("monitor stream thread stopped, the broker is away ({}); a new one starts in {} ms", waitingOn, delay);
        try {
            Thread.sleep(delay);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    static boolean brokerAway(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The Kafka Streams properties of the monitor. */
    static Properties streamsProperties(Config config, MonitorSettings settings) {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        if (!p.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException(Config.KAFKA_PREFIX + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG
                + " must be set (or --bootstrap-servers): the monitor needs a Kafka cluster");
        }
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Exactly-once commits a transaction per commit interval; 100 ms (the EOS default) churns
        // transactions for no gain in a monitor whose windows are seconds long.
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
        p.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            LogAndContinueExceptionHandler.class.getName());
        // the monitor has no global stores; enabling this only answers Kafka Streams' start-up warning
        p.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        if (settings.stateDir() != null) {
            p.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir());
        } else {
            // Kafka Streams' own default lies in the OS temp dir, which the OS may clear under a running monitor
            p.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, MonitorSettings.DEFAULT_STATE_DIR.toString());
        }
        return p;
    }

    /** Starts processing in Kafka Streams' threads; returns at once. */
    public void start() {
        streams.start();
        LOG.info("monitor started");
    }

    /** Whether the client is starting, rebalancing or running (false after an error or close). */
    public boolean isRunning() {
        return streams.state().isRunningOrRebalancing() || streams.state() == KafkaStreams.State.CREATED;
    }

    @Override
    public String name() {
        return "monitor-streams";
    }

    /**
     * Up while Kafka Streams is created, rebalancing or running; down naming its state otherwise, or once
     * it has waited on the broker for longer than {@code health.stuck.ms}.
     */
    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        String name = state.name().toLowerCase(java.util.Locale.ROOT);
        if (!isRunning()) {
            return Health.down("Kafka Streams is " + name);
        }
        long since = waitingSinceMs;
        if (since < 0) {
            return Health.up(name);
        }
        long waited = System.currentTimeMillis() - since;
        String what = name + ", waiting " + waited / 1000 + " s on the broker: " + waitingOn;
        return waited > stuckAfterMs ? Health.down(what) : Health.up(what);
    }

    /** A stopped client that was not closed: the topology failed and the role should exit. */
    @Override
    public Throwable failure() {
        return isRunning() || closed ? null : new IllegalStateException("Kafka Streams is no longer running ("
            + streams.state() + ")");
    }

    /** Stops processing, commits, and releases the state directory and the metrics binder. */
    @Override
    public void close() {
        closed = true;
        streamsMetrics.close();
        if (!streams.close(CLOSE_TIMEOUT)) {
            LOG.warn("monitor did not close within {}", CLOSE_TIMEOUT);
        }
    }
}
