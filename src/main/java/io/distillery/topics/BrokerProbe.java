package io.distillery.topics;

import io.distillery.config.Config;
import io.distillery.service.ServiceLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Tells {@code /health} whether the role reaches the cluster: every {@link #EVERY} it asks a broker for the
 * cluster's nodes (no ACL needed). While none answers, the line {@code kafka-broker} says how long the role
 * has waited and why, and turns down after {@code health.stuck.ms} as every loop's wait does: the loops
 * themselves wait in Kafka calls that block up to a minute and cannot name what they wait for. A role's
 * loops carry on by themselves when the broker is back; this probe only reports.
 *
 * <p>A non-retriable answer (wrong credentials) ends it as a failure, and so the role, like any loop.
 */
public final class BrokerProbe extends ServiceLoop {
    /** The pause between two probes. */
    public static final Duration EVERY = Duration.ofSeconds(5);
    private static final int TIMEOUT_MS = 5_000;

    private final Admin admin;

    public BrokerProbe(Admin admin, Duration stuckAfter, Clock clock) {
        super("kafka-broker", stuckAfter, clock);
        this.admin = admin;
    }

    /** A probe with its own admin client, from the role's {@code kafka.*} settings. */
    public static BrokerProbe create(Config config, Duration stuckAfter) {
        return new BrokerProbe(Admin.create(KafkaClients.admin(config)), stuckAfter, Clock.systemUTC());
    }

    @Override
    protected void doWork() throws Exception {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS)).nodes().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RetriableException r) {
                throw r;
            }
            if (e.getCause() instanceof Exception other) {
                throw other;
            }
            throw new TimeoutException("no broker answered: " + e.getCause());
        }
        pause(EVERY.toMillis());
    }

    @Override
    protected void tearDown() {
        admin.close(Duration.ofSeconds(5));
    }
}
