package io.distillery.feedback;

import io.distillery.records.DeadLetters;
import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.MessageChecks;
import io.distillery.records.RejectReason;
import io.distillery.records.Rejected;
import io.distillery.spec.Roles;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes and checks each raw evaluation ({@link MessageChecks#eval}): a valid one goes on as an
 * {@link EvalMessage}; any other keeps its bytes and gets the dead-letter headers (reason, detail, source
 * topic, partition and offset, role {@code monitor}), and the listener hears its reason.
 */
final class EvalCheck implements FixedKeyProcessor<byte[], byte[], EvalCheck.Checked> {
    /** One evaluation after its check: the message, or the reason it is refused; always its bytes. */
    record Checked(byte[] bytes, EvalMessage message, Rejected rejected) {
        boolean valid() {
            return rejected == null;
        }
    }

    private final MessageChecks checks;
    private final MonitorListener listener;
    private FixedKeyProcessorContext<byte[], Checked> context;

    EvalCheck(MessageChecks checks, MonitorListener listener) {
        this.checks = checks;
        this.listener = listener;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Checked> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        byte[] bytes = record.value();
        EvalMessage message = null;
        Rejected rejected;
        try {
            if (bytes == null) {
                throw new IllegalArgumentException("eval message is null");
            }
            message = EvalCodec.decode(bytes);
            rejected = checks.eval(message);
        } catch (IllegalArgumentException e) {
            rejected = new Rejected(RejectReason.MALFORMED_MESSAGE, String.valueOf(e.getMessage()));
        }
        if (rejected == null) {
            context.forward(record.withValue(new Checked(bytes, message, null)));
            return;
        }
        listener.evalRejected(rejected.reason().tag());
        RecordMetadata source = context.recordMetadata().orElse(null);
        context.forward(record.withValue(new Checked(bytes, null, rejected)).withHeaders(DeadLetters.headers(
            rejected.reason(), rejected.detail(), source == null ? null : source.topic(),
            source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), Roles.MONITOR)));
    }
}
