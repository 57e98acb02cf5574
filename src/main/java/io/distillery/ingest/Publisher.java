package io.distillery.ingest;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.Decoded;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.RejectReason;
import io.distillery.service.Backoff;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of {@code produce}: takes records from a source, keeps the label on a seeded share of
 * the labeled ones, and publishes each to the labeled or unlabeled topic. Raw payloads (from files) and
 * deliberately broken ones are validated like any consumer would, and bad ones go to the dead-letter
 * topic with their reason. A broker outage delays the run (see {@link #sendWaiting}). Not thread-safe; one
 * run at a time.
 */
public final class Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /**
     * @param count records to publish, or 0 for the whole source
     * @param labeledFraction share of labeled records that keep their label, in [0, 1]
     * @param rate records per second, or 0 for as fast as possible
     * @param seed seed of the label choice and of fault injection
     * @param faultRate share of generated records to break on purpose, in [0, 1]
     */
    public record Options(long count, double labeledFraction, double rate, long seed, double faultRate) {
        public Options {
            if (count < 0) {
                throw new IllegalArgumentException("count must not be negative, was " + count);
            }
            if (!(labeledFraction >= 0 && labeledFraction <= 1)) {
                throw new IllegalArgumentException("labeled fraction must be in [0, 1], was " + labeledFraction);
            }
            if (!(rate >= 0)) {
                throw new IllegalArgumentException("rate must not be negative, was " + rate);
            }
        }
    }

    /** What a run did so far. */
    public record Summary(long read, long labeled, long unlabeled, Map<RejectReason, Long> deadLettered,
                          Map<RejectReason, Long> injected, double seconds) {
        public long deadLetteredTotal() {
            return deadLettered.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final InputCodec codec;
    private final DeadLetters deadLetters;
    private final Options options;
    private final Counter labeledCounter;
    private final Counter unlabeledCounter;
    private final SplittableRandom labelRng;
    private final FaultInjector faults;
    private final Map<RejectReason, Long> deadLettered = new EnumMap<>(RejectReason.class);
    private final LongSupplier nanoTime;
    private final Backoff backoff = new Backoff();
    private final AtomicLong undelivered = new AtomicLong();
    private volatile Exception firstDeliveryError;
    /** The thread inside {@code producer.send} while it is, so a callback knows it runs before anything was sent. */
    private volatile Thread sender;
    private Exception notSent;
    private long read;
    private long labeled;
    private long unlabeled;

    public Publisher(Producer<byte[], byte[]> producer, InputCodec codec, DeadLetters deadLetters,
                     RoleMetrics metrics, Options options, LongSupplier nanoTime) {
        this.producer = producer;
        this.codec = codec;
        this.deadLetters = deadLetters;
        this.options = options;
        this.nanoTime = nanoTime;
        this.labeledCounter = metrics.counter(Metrics.RECORDS_PRODUCED, "produce", Topics.LABELED.name());
        this.unlabeledCounter = metrics.counter(Metrics.RECORDS_PRODUCED, "produce", Topics.UNLABELED.name());
        this.labelRng = new SplittableRandom(options.seed() ^ 0x1ABE1L);
        this.faults = new FaultInjector(options.faultRate(), options.seed(), codec);
    }

    /**
     * Publishes until the count is reached or the source ends; calls {@code progress} about every
     * {@code progressEveryNanos} and once at the end. Flushes before returning.
     */
    public Summary run(RecordSource source, Pacer pacer, Consumer<Summary> progress, long progressEveryNanos)
        throws InterruptedException {
        long start = nanoTime.getAsLong();
        long lastReport = start;
        RecordSource.Item item;
        while ((options.count() == 0 || read < options.count()) && (item = source.next()) != null) {
            pacer.await();
            read++;
            publish(source.name(), item);
            long now = nanoTime.getAsLong();
            if (now - lastReport >= progressEveryNanos) {
                progress.accept(summary(start, now));
                lastReport = now;
            }
        }
        producer.flush();
        Summary s = summary(start, nanoTime.getAsLong());
        progress.accept(s);
        if (undelivered.get() > 0) {
            throw new IllegalStateException(undelivered.get() + " record(s) could not be delivered; the first: "
                + firstDeliveryError, firstDeliveryError);
        }
        return s;
    }

    private void publish(String sourceName, RecordSource.Item item) throws InterruptedException {
        if (item.rejectDetail() != null) {
            deadLetter(item.raw(), RejectReason.MALFORMED_CSV, item.rejectDetail(), sourceName, item.position());
            return;
        }
        InputRecord record = item.record();
        if (record != null) {
            byte[] broken = faults.maybeBreak(record);
            if (broken != null) {
                validateAndSend(broken, sourceName, item.position());
                return;
            }
            send(chooseLabel(record), null);
            return;
        }
        validateAndSend(item.raw(), sourceName, item.position());
    }

    private void validateAndSend(byte[] payload, String sourceName, long position) throws InterruptedException {
        Decoded d = codec.decode(payload);
        if (!d.valid()) {
            deadLetter(payload, d.reason(), d.detail(), sourceName, position);
            return;
        }
        InputRecord chosen = chooseLabel(d.record());
        send(chosen, chosen == d.record() ? payload : null);
    }

    private InputRecord chooseLabel(InputRecord r) {
        if (r.labeled() && labelRng.nextDouble() >= options.labeledFraction()) {
            return r.unlabeled();
        }
        return r;
    }

    private void send(InputRecord r, byte[] payloadOrNull) throws InterruptedException {
        byte[] payload = payloadOrNull != null ? payloadOrNull : codec.encode(r);
        String topic = r.labeled() ? Topics.LABELED.name() : Topics.UNLABELED.name();
        sendWaiting(new ProducerRecord<>(topic, r.id().getBytes(StandardCharsets.UTF_8), payload));
        if (r.labeled()) {
            labeled++;
            labeledCounter.increment();
        } else {
            unlabeled++;
            unlabeledCounter.increment();
        }
    }

    /**
     * Sends one record. While the broker is away a send waits up to {@code max.block.ms} for the topic's
     * metadata and then fails inside {@code send} (its callback runs on this thread) without having sent
     * anything: it is tried again after the {@link Backoff}, so an outage delays the stream rather than
     * losing records. A record the producer gives up on later ({@code delivery.timeout.ms}) may have been
     * written, so it is not sent again: it is counted, and {@link #run} fails at the end naming how many.
     */
    private void sendWaiting(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        while (true) {
            notSent = null;
            sender = Thread.currentThread();
            try {
                producer.send(record, this::delivered);
            } finally {
                sender = null;
            }
            if (!(notSent instanceof RetriableException e)) {
                if (notSent != null) {
                    countUndelivered(notSent);
                }
                backoff.reset();
                return;
            }
            long delay = backoff.nextDelayMs();
            if (backoff.failures() == 1 || backoff.failures() % 10 == 0) {
                LOG.warn("produce: the broker is away ({}); retrying in {} ms (attempt {})", e.getMessage(), delay,
                    backoff.failures());
            }
            Thread.sleep(delay);
        }
    }

    private void delivered(RecordMetadata metadata, Exception e) {
        if (e != null && Thread.currentThread() == sender) {
            notSent = e;
        } else if (e != null) {
            countUndelivered(e);
        }
    }

    private void countUndelivered(Exception e) {
        if (undelivered.getAndIncrement() == 0) {
            firstDeliveryError = e;
        }
    }

    private void deadLetter(byte[] payload, RejectReason reason, String detail, String sourceName, long position) {
        deadLetters.send(null, payload, reason, detail, sourceName, -1, position);
        deadLettered.merge(reason, 1L, Long::sum);
    }

    private Summary summary(long start, long now) {
        return new Summary(read, labeled, unlabeled, Map.copyOf(deadLettered), faults.injected(),
            (now - start) / 1e9);
    }
}
