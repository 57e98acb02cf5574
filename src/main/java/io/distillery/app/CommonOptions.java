package io.distillery.app;

import io.distillery.config.Config;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every role takes: the cluster, a properties file and single settings. */
final class CommonOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
        description = "Kafka bootstrap servers (same as --set kafka.bootstrap.servers=...)")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE", description = "properties file with settings")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "one setting, repeatable; kafka.* keys go to the Kafka clients untouched")
    Map<String, String> settings = new LinkedHashMap<>();

    /** Flags, then the DISTILL_ environment, then the file, then defaults. */
    Config load() {
        return load(System.getenv());
    }

    Config load(Map<String, String> env) {
        Map<String, String> flags = new LinkedHashMap<>(settings);
        if (bootstrapServers != null) {
            flags.put("kafka.bootstrap.servers", bootstrapServers);
        }
        return Config.load(flags, env, configFile);
    }
}
