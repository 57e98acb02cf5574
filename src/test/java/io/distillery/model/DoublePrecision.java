package io.distillery.model;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's default types set to double for a test class (gradient checks need them), and put back after it:
 * {@code @ExtendWith(DoublePrecision.class)}.
 */
final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DoublePrecision.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put("default", Nd4j.dataType());
        store.put("float", Nd4j.defaultFloatingPointType());
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Nd4j.setDefaultDataTypes(store.get("default", DataType.class), store.get("float", DataType.class));
    }
}
