package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.spec.Roles;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The whole pipeline's state from its topics; exit 1 naming what is wrong. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Read the pipeline's state from its topics alone (no role has to be reachable).",
        "Newest snapshots and their age, every instance's heartbeat (versions, lag, health), consumer lag per "
            + "group, the last feedback window and drift, dead letters of the last hour. Exit 1 naming each problem: "
            + "a stale snapshot, a growing lag, stopped windows, a silent, unhealthy or missing instance."})
final class StatusCommand implements Callable<Integer> {
    /** How far back heartbeats are read: an instance silent for longer is forgotten. */
    static final long HISTORY_MS = 3_600_000;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "one JSON object per read, for scripts")
    boolean json;

    @Option(names = "--watch", description = "read again every --every seconds until stopped (or --count reads)")
    boolean watch;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "5", description = "refresh period of --watch (default ${DEFAULT-VALUE})")
    int everySeconds;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "with --watch, stop after N reads (0: never)")
    int count;

    @Option(names = "--max-snapshot-age", paramLabel = "SECONDS", defaultValue = "600",
        description = "a model whose newest snapshot is older is stale (default ${DEFAULT-VALUE})")
    long maxSnapshotAgeSeconds;

    @Option(names = "--max-window-age", paramLabel = "SECONDS", defaultValue = "300",
        description = "windows have stopped when the newest feedback window is older (default ${DEFAULT-VALUE})")
    long maxWindowAgeSeconds;

    @Option(names = "--lag-growth", paramLabel = "RECORDS", defaultValue = "10000",
        description = "an instance's lag grows when it rose by this much, never falling, over the last minute of heartbeats"
            + " (default ${DEFAULT-VALUE})")
    long lagGrowth;

    @Option(names = "--roles", split = ",", paramLabel = "ROLE",
        defaultValue = Roles.TEACHER + "," + Roles.STUDENT + "," + Roles.MONITOR + "," + Roles.SERVE,
        description = "roles that must have an instance reporting (default ${DEFAULT-VALUE})")
    List<String> roles;

    @Override
    public Integer call() throws InterruptedException {
        if (everySeconds < 1 || count < 0 || maxSnapshotAgeSeconds < 1 || maxWindowAgeSeconds < 1 || lagGrowth < 1) {
            throw new IllegalArgumentException("--every, --max-snapshot-age, --max-window-age and --lag-growth must be"
                + " > 0 and --count >= 0");
        }
        Config config = common.load();
        PipelineStatus.Limits limits = new PipelineStatus.Limits(maxSnapshotAgeSeconds * 1000,
            maxWindowAgeSeconds * 1000, 60_000, lagGrowth, roles);
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        try (StatusReader reader = new StatusReader(config)) {
            int reads = 0;
            while (true) {
                PipelineStatus.Report report = PipelineStatus.assess(reader.read(clock.millis(), HISTORY_MS), limits);
                if (json) {
                    out.println(StatusFormat.json(report));
                    out.flush();
                } else {
                    StatusFormat.text(report, out);
                }
                reads++;
                if (!watch || reads == count) {
                    if (!report.ok()) {
                        spec.commandLine().getErr().println("error: " + String.join("; ", report.problems()));
                    }
                    return report.ok() ? 0 : 1;
                }
                Thread.sleep(everySeconds * 1000L);
                if (!json) {
                    out.println();
                }
            }
        }
    }
}
