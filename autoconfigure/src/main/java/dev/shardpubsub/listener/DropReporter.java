package dev.shardpubsub.listener;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Counts the messages a listener dropped on overflow and logs them, at most once per interval.
 */
final class DropReporter {

	private static final Log logger = LogFactory.getLog(ShardListenerContainer.class);

	private final String listenerId;

	private final int queueCapacity;

	private final long intervalNanos;

	private final LongAdder total = new LongAdder();

	private final AtomicLong unreported = new AtomicLong();

	private final AtomicLong lastReport;

	private volatile String lastChannel = "";

	DropReporter(String listenerId, int queueCapacity, Duration interval) {
		this.listenerId = listenerId;
		this.queueCapacity = queueCapacity;
		this.intervalNanos = interval.toNanos();
		// So that the first drop is logged at once
		this.lastReport = new AtomicLong(System.nanoTime() - this.intervalNanos);
	}

	/**
	 * Count one dropped message; called on the I/O thread.
	 */
	void dropped(String channel) {
		this.total.increment();
		this.unreported.incrementAndGet();
		this.lastChannel = channel;
		reportIfDue();
	}

	/**
	 * Log the drops not logged yet if the interval has passed; also called after draining so that the last drops of
	 * a burst are not left unlogged until the next one.
	 */
	void reportIfDue() {
		if (this.unreported.get() == 0) {
			return;
		}
		long now = System.nanoTime();
		long last = this.lastReport.get();
		if (now - last >= this.intervalNanos && this.lastReport.compareAndSet(last, now)) {
			report(this.unreported.getAndSet(0));
		}
	}

	/**
	 * Log the drops not logged yet, whatever the interval.
	 */
	void flush() {
		this.lastReport.set(System.nanoTime());
		report(this.unreported.getAndSet(0));
	}

	long total() {
		return this.total.sum();
	}

	private void report(long count) {
		if (count > 0 && logger.isWarnEnabled()) {
			logger.warn("Listener '" + this.listenerId + "' dropped " + count
					+ " message(s) since the last report (last on channel '" + this.lastChannel
					+ "') because its queue of " + this.queueCapacity + " messages for the channel was full; "
					+ this.total.sum() + " dropped in total. Raise shard-pubsub.listener.queue-capacity or speed up "
					+ "the listener method.");
		}
	}

}
