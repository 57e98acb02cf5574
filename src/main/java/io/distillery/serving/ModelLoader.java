package io.distillery.serving;

import io.distillery.modelstore.SnapshotVerifier;

/**
 * Turns a decoded, signature-checked snapshot into a network that serving can pool. The {@link
 * SnapshotVerifier} checks its shape and runs its test prediction before it is served.
 */
@FunctionalInterface
public interface ModelLoader extends SnapshotVerifier.Loader<ServingNetwork> {
}
