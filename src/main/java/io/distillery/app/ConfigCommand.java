package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.config.ConfigKey;
import io.distillery.config.ConfigKeys;
import io.distillery.config.Secrets;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Prints every configuration key: effective value, where it came from, its environment name and doc;
 * then the {@code kafka.*} settings. A secret (see {@link Secrets}) with a value prints as
 * {@value Secrets#MASK}.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "List every setting with its effective value, origin, environment variable and meaning.")
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Config c = common.load();
        PrintWriter out = spec.commandLine().getOut();
        for (ConfigKey k : ConfigKeys.all()) {
            String v = Secrets.shown(k.name(), c.get(k));
            out.printf("%-34s = %-20s (%s; env %s)%n    %s%n", k.name(), v == null ? "<unset>" : v,
                c.origin(k), k.envName(), k.doc());
        }
        c.kafkaProperties().forEach((k, v) -> out.printf("kafka.%-28s = %s%n", k,
            Secrets.shown(Config.KAFKA_PREFIX + k, v.toString())));
        out.flush();
        return 0;
    }
}
