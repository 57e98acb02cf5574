package io.distillery.serving;

import io.distillery.config.DataSettings;
import io.distillery.config.ServeSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.LibraryVersions;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;

/** Signed fake snapshots and a loopback serving instance for the serving tests. */
final class ServingFixtures {
    static final int FEATURES = 8;
    static final int CLASSES = 3;
    static final String TOKEN = "s3cret-admin-token";
    static final SnapshotCodec CODEC = SnapshotFixtures.CODEC;
    static final DataSettings DATA = new DataSettings(FEATURES, CLASSES, 4096);

    private ServingFixtures() {
    }

    static SnapshotManifest manifest(long version, int inputs, int outputs) {
        return SnapshotManifest.builder()
            .id("student-" + version).model("student").role("student").version(version).configHash("cfg")
            .libraryVersions(LibraryVersions.current()).createdAtMs(1_700_000_000_000L + version)
            .shape(inputs, outputs)
            .build();
    }

    /** An encoded, signed snapshot of a fake network of the right shape. */
    static byte[] snapshot(long version) {
        return snapshot(version, FEATURES, CLASSES, "ok");
    }

    static byte[] snapshot(long version, int inputs, int outputs, String mode) {
        return CODEC.encode(Snapshot.of(manifest(version, inputs, outputs), FakeNetwork.bytes(mode)));
    }

    static ServeSettings settings(String token, int threads, int history) {
        return settings(token, threads, history, null);
    }

    static ServeSettings settings(String token, int threads, int history, String downloadToken) {
        return new ServeSettings("127.0.0.1", 0, threads, 64 * 1024, token, history, downloadToken, 64, 16, 100);
    }

    /** A started service on a free loopback port, fed only through its snapshot listener. */
    static ServeService service(ServeSettings settings, RoleMetrics metrics) {
        ServeService s = new ServeService(settings, DATA, CODEC, FakeNetwork.LOADER, metrics, null);
        s.start();
        return s;
    }

    static void feed(ServeService service, byte[] snapshot) {
        service.snapshotListener().onSnapshot("student", snapshot, 0);
    }
}
