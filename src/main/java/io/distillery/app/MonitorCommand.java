package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.feedback.MonitorService;
import io.distillery.metrics.RoleMetrics;
import io.distillery.spec.Roles;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The monitor: windowed divergence and accuracy, drift detection, feedback to the teacher. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
    description = {"Report per window how far the student is from the teacher and the truth, and detect drift.",
        "A Kafka Streams application: per-window student-teacher divergence, agreement and accuracy, ADWIN and "
            + "Page-Hinkley drift detection; writes distill.feedback."})
final class MonitorCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        RoleRunner runner = RoleRunner.forRole(Roles.MONITOR, config);
        start(config, runner.metrics(), runner);
        return runner.await(() -> { }, 5_000);
    }

    static MonitorService start(Config config, RoleMetrics metrics, RoleRunner runner) {
        MonitorService monitor = runner.add(new MonitorService(config, metrics));
        monitor.start();
        runner.heartbeat(Roles.MONITOR, config, metrics, List.of(monitor));
        return monitor;
    }
}
