package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.config.ConfigKey;
import io.distillery.config.ConfigKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints every configuration key: effective value, where it came from, its environment name and doc. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "List every setting with its effective value, origin, environment variable and meaning.")
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        Config c = common.load();
        for (ConfigKey k : ConfigKeys.all()) {
            String v = k.name().equals("snapshot.hmac.key") && c.get(k) != null ? "<set>" : c.get(k);
            System.out.printf("%-34s = %-20s (%s; env %s)%n    %s%n", k.name(), v == null ? "<unset>" : v,
                c.origin(k), k.envName(), k.doc());
        }
        c.kafkaProperties().forEach((k, v) -> System.out.printf("kafka.%-28s = %s%n", k,
            k.contains("password") || k.contains("jaas") ? "<set>" : v));
        return 0;
    }
}
