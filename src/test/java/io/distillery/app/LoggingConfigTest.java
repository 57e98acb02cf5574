package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The roles' and the demo's Log4j configurations leave the end of logging to the JVM. With Log4j's own shutdown
 * hook, its logger context stopped while Kafka's threads were still logging their shutdown; the next line made a
 * new context, which could not register a hook, and Log4j warned ("Using SimpleLogger") and sent the rest to
 * stderr. Their appenders write synchronously, so nothing is left to flush.
 */
class LoggingConfigTest {
    @ParameterizedTest
    @ValueSource(strings = {"/log4j2.xml", "/log4j2-demo.xml"})
    void shouldRegisterNoShutdownHookOfLog4jsOwn(String resource) throws Exception {
        try (InputStream in = LoggingConfigTest.class.getResourceAsStream(resource)) {
            XmlConfiguration config = new XmlConfiguration(new LoggerContext("test " + resource),
                new ConfigurationSource(in));

            assertThat(config.isShutdownHookEnabled()).as(resource).isFalse();
        }
    }
}
