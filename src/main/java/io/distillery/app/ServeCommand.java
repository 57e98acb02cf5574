package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.config.ServeSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.serving.ServeService;
import io.distillery.spec.Roles;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Serving: follows student snapshots, hot-swaps verified ones, answers the Open Inference Protocol. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the student over HTTP, hot-swapping each new verified snapshot.",
        "Follows distill.student.snapshots, verifies and hot-swaps each new one, and answers predictions "
            + "over HTTP with the Open Inference Protocol (KServe v2): /v2/health/live, /v2/health/ready, "
            + "/v2/models/student, POST /v2/models/student/infer; admin pin/unpin/rollback with a token."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        RoleRunner runner = RoleRunner.forRole(Roles.SERVE, config);
        try {
            start(config, runner.metrics(), runner);
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
        return runner.await(() -> { }, 5_000);
    }

    static ServeService start(Config config, RoleMetrics metrics, RoleRunner runner) {
        ServeService serve = runner.add(new ServeService(config, metrics));
        try {
            serve.start();
        } catch (RuntimeException e) {
            if (PortInUse.find(e) != null) {
                throw PortInUse.of(ServeSettings.PORT, ServeSettings.from(config).port());
            }
            throw e;
        }
        runner.heartbeat(Roles.SERVE, config, metrics, List.of(serve));
        System.out.println("serving the student at " + serve.url() + "v2/models/student (ready once a snapshot is verified)");
        return serve;
    }
}
