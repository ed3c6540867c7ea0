package dev.shardpubsub.integration;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.shardpubsub.publish.ShardPublisher;

/**
 * Publishes {@code seq-0}, {@code seq-1}... on one channel through a {@link ShardPublisher}, pipelined (up to 64
 * publishes in flight, about 2,000 a second), and records when each was sent and how it ended.
 */
final class SequencePublishing implements AutoCloseable {

	private static final int IN_FLIGHT = 64;

	private final ShardPublisher publisher;

	private final String channel;

	private final Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();

	private final AtomicInteger next = new AtomicInteger();

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final Semaphore inFlight = new Semaphore(IN_FLIGHT);

	private final Thread thread;

	SequencePublishing(ShardPublisher publisher, String channel) {
		this.publisher = publisher;
		this.channel = channel;
		this.thread = new Thread(this::publish, "sequence-publishing");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void publish() {
		while (this.running.get()) {
			this.inFlight.acquireUninterruptibly();
			int number = this.next.getAndIncrement();
			Outcome outcome = new Outcome(System.nanoTime());
			this.outcomes.put(number, outcome);
			try {
				this.publisher.publishAsync(this.channel, payload(number)).whenComplete((receivers, error) -> {
					outcome.complete(receivers, error);
					this.inFlight.release();
				});
			}
			catch (RuntimeException ex) {
				outcome.complete(null, ex);
				this.inFlight.release();
			}
			LockSupport.parkNanos(500_000);
		}
	}

	static String payload(int number) {
		return "seq-" + number;
	}

	/** @return the number the next publish will carry */
	int next() {
		return this.next.get();
	}

	/**
	 * Stop publishing and wait until every publish has an outcome.
	 * @param timeoutMillis how long to wait for the outcomes
	 * @return whether every publish ended in time
	 */
	boolean stop(long timeoutMillis) throws InterruptedException {
		this.running.set(false);
		this.thread.join(timeoutMillis);
		return this.inFlight.tryAcquire(IN_FLIGHT, timeoutMillis, TimeUnit.MILLISECONDS);
	}

	Map<Integer, Outcome> outcomes() {
		return this.outcomes;
	}

	@Override
	public void close() throws InterruptedException {
		stop(0);
	}

	/** When a publish was sent and how it ended. */
	static final class Outcome {

		final long sentNanos;

		volatile long doneNanos;

		volatile Long receivers;

		volatile Throwable error;

		Outcome(long sentNanos) {
			this.sentNanos = sentNanos;
		}

		void complete(Long receivers, Throwable error) {
			this.receivers = receivers;
			this.error = error;
			this.doneNanos = System.nanoTime();
		}

		boolean isDone() {
			return this.doneNanos != 0;
		}

		boolean succeeded() {
			return isDone() && this.error == null;
		}

		long millis() {
			return TimeUnit.NANOSECONDS.toMillis(this.doneNanos - this.sentNanos);
		}

	}

}
