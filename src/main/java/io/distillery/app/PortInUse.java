package io.distillery.app;

import io.distillery.config.ConfigException;
import io.distillery.config.ConfigKey;
import java.net.BindException;

/** A port a role cannot listen on, told as one line naming the setting to change (no stack trace). */
final class PortInUse {
    private PortInUse() {
    }

    /** The {@link BindException} in {@code t}'s causes, or {@code null}. */
    static BindException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException b) {
                return b;
            }
        }
        return null;
    }

    /** The one-line error for {@code key} set to {@code port}; Main prints it and exits 2. */
    static ConfigException of(ConfigKey key, int port) {
        return new ConfigException(key.name() + "=" + port + ": the port is already in use (another process, or "
            + "another role on this machine?); set another with --set " + key.name() + "=N (0 picks a free one)");
    }
}
