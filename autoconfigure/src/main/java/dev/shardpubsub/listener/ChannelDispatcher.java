package dev.shardpubsub.listener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The {@link ShardMessageSink} of one running listener container: queues each message on the I/O thread and hands
 * it to the listener on an {@link Executor}.
 * <p>
 * Each channel has its own bounded queue and at most one task draining it, so the messages of a channel are
 * handled one at a time, in order, while different channels run concurrently. A task handles at most
 * {@link #MAX_MESSAGES_PER_RUN} messages and then resubmits itself, so that a busy channel does not keep a thread
 * from the others. A message arriving at a full queue is dropped and counted. While paused, messages are queued
 * (up to the same capacity) but not handled.
 */
final class ChannelDispatcher implements ShardMessageSink {

	static final int MAX_MESSAGES_PER_RUN = 64;

	private static final Log logger = LogFactory.getLog(ShardListenerContainer.class);

	private final String listenerId;

	private final Executor executor;

	private final DeliveryHandler handler;

	private final int queueCapacity;

	private final DropReporter dropReporter;

	private final DispatchListener dispatchListener;

	private final LongAdder received;

	private final ConcurrentMap<String, ChannelQueue> queues = new ConcurrentHashMap<>();

	// Queued plus in-flight messages: what shutdown waits for
	private final AtomicLong pending = new AtomicLong();

	private final AtomicLong ignoredAfterStop = new AtomicLong();

	private final AtomicBoolean rejectionLogged = new AtomicBoolean();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition drained = this.lock.newCondition();

	private volatile boolean accepting = true;

	private volatile boolean abandoned;

	private volatile boolean paused;

	ChannelDispatcher(String listenerId, Executor executor, DeliveryHandler handler, int queueCapacity,
			DropReporter dropReporter, DispatchListener dispatchListener, LongAdder received) {
		this.listenerId = listenerId;
		this.executor = executor;
		this.handler = handler;
		this.queueCapacity = queueCapacity;
		this.dropReporter = dropReporter;
		this.dispatchListener = dispatchListener;
		this.received = received;
	}

	@Override
	public void accept(ShardMessage message) {
		try {
			if (!this.accepting) {
				this.ignoredAfterStop.incrementAndGet();
				return;
			}
			this.received.increment();
			ChannelQueue queue = this.queues.computeIfAbsent(message.channel(), ChannelQueue::new);
			this.pending.incrementAndGet();
			if (!queue.deliveries.offer(new Delivery(message, System.currentTimeMillis()))) {
				messageDone();
				this.dropReporter.dropped(message.channel());
				this.dispatchListener.onDropped(this.listenerId, message.channel());
				return;
			}
			queue.schedule();
		}
		catch (Throwable ex) {
			// Nothing may escape to the Redis I/O thread
			logger.error("Listener '" + this.listenerId + "' could not queue " + message, ex);
		}
	}

	/**
	 * Stop handling messages; they are queued, up to the queue capacity, until {@link #resume()}. A message being
	 * handled completes.
	 */
	void pause() {
		this.paused = true;
	}

	/**
	 * Handle the queued messages and those arriving from now on again.
	 */
	void resume() {
		this.paused = false;
		// A message queued while paused was not scheduled: schedule every queue holding one
		for (ChannelQueue queue : this.queues.values()) {
			if (!queue.deliveries.isEmpty()) {
				queue.schedule();
			}
		}
	}

	boolean isPaused() {
		return this.paused;
	}

	long pendingCount() {
		return this.pending.get();
	}

	/**
	 * Stop queueing messages; those arriving from now on are ignored.
	 */
	void stopAccepting() {
		this.accepting = false;
	}

	/**
	 * Wait until every queued message has been handled.
	 * @param deadline the {@link System#nanoTime()} to give up at
	 * @return whether all messages were handled
	 */
	boolean awaitDrained(long deadline) throws InterruptedException {
		this.lock.lock();
		try {
			while (this.pending.get() > 0) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				// Bounded wait: a lost signal costs at most this long
				this.drained.awaitNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)));
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Discard every message still queued; messages being handled complete.
	 * @return how many queued messages were discarded
	 */
	long abandon() {
		this.abandoned = true;
		long discarded = 0;
		List<Delivery> sink = new ArrayList<>();
		for (ChannelQueue queue : this.queues.values()) {
			queue.deliveries.drainTo(sink);
			discarded += sink.size();
			sink.clear();
		}
		this.pending.addAndGet(-discarded);
		return discarded;
	}

	long ignoredAfterStop() {
		return this.ignoredAfterStop.get();
	}

	private void messageDone() {
		if (this.pending.decrementAndGet() == 0 && !this.accepting) {
			this.lock.lock();
			try {
				this.drained.signalAll();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	private void handle(String channel, Delivery delivery) {
		long start = System.nanoTime();
		boolean success = false;
		try {
			success = this.handler.handle(delivery.message(), delivery.receivedTimestamp());
		}
		catch (Throwable ex) {
			logger.error("Listener '" + this.listenerId + "' failed to handle " + delivery.message(), ex);
		}
		finally {
			try {
				this.dispatchListener.onHandled(this.listenerId, channel, Duration.ofNanos(System.nanoTime() - start),
						success);
			}
			catch (Throwable ex) {
				logger.warn("DispatchListener failed for listener '" + this.listenerId + "'", ex);
			}
			messageDone();
		}
	}

	/**
	 * Handles one message; returns whether the listener method completed normally.
	 */
	@FunctionalInterface
	interface DeliveryHandler {

		boolean handle(ShardMessage message, long receivedTimestamp);

	}

	private record Delivery(ShardMessage message, long receivedTimestamp) {
	}

	/**
	 * The queue of one channel and the task draining it.
	 */
	private final class ChannelQueue implements Runnable {

		private final String channel;

		private final BlockingQueue<Delivery> deliveries;

		// Whether a drain task is submitted or running: at most one at a time keeps the channel in order
		private final AtomicBoolean scheduled = new AtomicBoolean();

		ChannelQueue(String channel) {
			this.channel = channel;
			// Linked rather than array-backed: no capacity-sized allocation for each of many quiet channels
			this.deliveries = new LinkedBlockingQueue<>(ChannelDispatcher.this.queueCapacity);
		}

		void schedule() {
			if (ChannelDispatcher.this.paused) {
				return;
			}
			if (this.scheduled.compareAndSet(false, true)) {
				try {
					ChannelDispatcher.this.executor.execute(this);
				}
				catch (RejectedExecutionException ex) {
					this.scheduled.set(false);
					if (ChannelDispatcher.this.rejectionLogged.compareAndSet(false, true)) {
						logger.warn("Listener '" + ChannelDispatcher.this.listenerId + "': the executor rejected the "
								+ "task for channel '" + this.channel + "'; its messages wait for the next attempt",
								ex);
					}
				}
			}
		}

		@Override
		public void run() {
			try {
				for (int i = 0; i < MAX_MESSAGES_PER_RUN && !ChannelDispatcher.this.abandoned
						&& !ChannelDispatcher.this.paused; i++) {
					Delivery delivery = this.deliveries.poll();
					if (delivery == null) {
						break;
					}
					handle(this.channel, delivery);
				}
			}
			finally {
				this.scheduled.set(false);
			}
			ChannelDispatcher.this.dropReporter.reportIfDue();
			// A message queued after the last poll saw 'scheduled' still set: resubmit for it
			if (!this.deliveries.isEmpty() && !ChannelDispatcher.this.abandoned) {
				schedule();
			}
		}

	}

}
