package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.student.Recent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's status line and its Fashion-MNIST prerequisite, as a newcomer sees them. */
class DemoCommandTest {

    @Test
    void shouldShowADashNotNaNForWhatIsNotMeasuredYet() {
        String line = DemoCommand.statusLine(4_090, 815.2, 9, 0, new Recent(Double.NaN, Double.NaN, Double.NaN),
            0, 0, 0);
        assertThat(line).doesNotContain("NaN")
            .isEqualTo("in 4,090 (815/s, 9 dead-lettered) | teacher v0 acc -, emitted 0/s | "
                + "student v0 acc -, agreement -, learned 0/s");
        assertThat(DemoCommand.statusLine(1, 1, 0, 3, new Recent(0.5, 0.25, 0.875), 1, 2, 1))
            .contains("teacher v3 acc 0.875").contains("student v2 acc 0.250, agreement 0.500");
    }

    @Test
    void shouldNameTheDebianPackageWhenFashionMnistIsMissing(@TempDir Path empty) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "demo", "--data",
            "fashion-mnist", "--fashion-mnist-dir", empty.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString().startsWith("error: Fashion-MNIST not found in")
            .contains("apt-get install -y dataset-fashion-mnist");
    }

    @Test
    void shouldRefuseABadSettingOfAnyRoleBeforeStartingABroker(@TempDir Path tmp) {
        for (String bad : new String[] {"monitor.window.ms=-5", "student.temperature=0", "serve.threads=0",
            "teacher.ema.decay=2", "inference.engine=tensorrt"}) {
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "demo",
                "--data-dir", tmp.resolve("kafka").toString(), "--set", bad);
            assertThat(code).as(bad).isEqualTo(2);
            assertThat(err.toString().lines()).as(bad).singleElement().asString()
                .startsWith("error: " + bad.substring(0, bad.indexOf('=')));
            assertThat(tmp.resolve("kafka")).as("no broker started for " + bad).doesNotExist();
        }
    }
}
