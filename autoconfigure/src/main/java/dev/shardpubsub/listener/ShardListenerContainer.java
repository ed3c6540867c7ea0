package dev.shardpubsub.listener;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.Lifecycle;
import org.springframework.util.Assert;

/**
 * Runs one listener: subscribes its channels through {@link ShardSubscriptions} and dispatches their messages to its
 * {@link MessagingShardListenerAdapter}, off the Redis I/O threads.
 * <p>
 * Messages of one channel are handled one at a time, in order; different channels concurrently on the
 * {@link Executor}. Each channel has a queue of {@code queueCapacity} messages; what arrives beyond is dropped,
 * counted ({@link #droppedCount()}) and logged at most once per {@code overflowLogInterval}. Stopping unsubscribes,
 * then waits up to {@code shutdownTimeout} for the queued messages to be handled and reports those abandoned.
 * <p>
 * A container can be {@link #pause() paused}: its channels stay subscribed and their messages are queued, up to
 * {@code queueCapacity} per channel (beyond that dropped and counted as always), but not handled until
 * {@link #resume()}. Stopping a paused container abandons its queued messages at once.
 * <p>
 * Containers are created and owned by the endpoint registry, not beans of their own.
 */
public class ShardListenerContainer implements Lifecycle {

	private static final Log logger = LogFactory.getLog(ShardListenerContainer.class);

	private final String listenerId;

	private final List<String> channels;

	private final MessagingShardListenerAdapter adapter;

	private final ShardSubscriptions subscriptions;

	private final Executor executor;

	private final ShardListenerContainerProperties properties;

	private final DropReporter dropReporter;

	private final LongAdder received = new LongAdder();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private DispatchListener dispatchListener = DispatchListener.NONE;

	private boolean autoStartup;

	private volatile boolean paused;

	private volatile @Nullable ChannelDispatcher dispatcher;

	/**
	 * Create a container, not started.
	 * @param listenerId the unique id of the listener
	 * @param channels the shard channels to subscribe, not empty
	 * @param adapter the invoker of the listener method
	 * @param subscriptions where to subscribe
	 * @param executor what handles the messages
	 * @param properties queue capacity, timeouts and the default of {@link #isAutoStartup()}
	 */
	public ShardListenerContainer(String listenerId, Collection<String> channels, MessagingShardListenerAdapter adapter,
			ShardSubscriptions subscriptions, Executor executor, ShardListenerContainerProperties properties) {
		Assert.hasText(listenerId, "listenerId must not be empty");
		Assert.notEmpty(channels, "channels must not be empty");
		this.listenerId = listenerId;
		this.channels = List.copyOf(new LinkedHashSet<>(channels));
		this.adapter = adapter;
		this.subscriptions = subscriptions;
		this.executor = executor;
		this.properties = properties;
		this.autoStartup = properties.autoStartup();
		this.dropReporter = new DropReporter(listenerId, properties.queueCapacity(), properties.overflowLogInterval());
	}

	/**
	 * Set the callback told about every handled and dropped message, for metrics.
	 * @param dispatchListener the callback; takes effect at the next start
	 */
	public void setDispatchListener(DispatchListener dispatchListener) {
		Assert.notNull(dispatchListener, "dispatchListener must not be null");
		this.dispatchListener = dispatchListener;
	}

	/**
	 * Set whether the registry starts this container when it starts.
	 * @param autoStartup whether to start automatically
	 */
	public void setAutoStartup(boolean autoStartup) {
		this.autoStartup = autoStartup;
	}

	public boolean isAutoStartup() {
		return this.autoStartup;
	}

	public String getListenerId() {
		return this.listenerId;
	}

	public List<String> getChannels() {
		return this.channels;
	}

	public MessagingShardListenerAdapter getAdapter() {
		return this.adapter;
	}

	public ShardListenerContainerProperties getContainerProperties() {
		return this.properties;
	}

	/**
	 * Return how many messages reached this listener's queues (including those then dropped), since it was created.
	 * @return the number of received messages
	 */
	public long receivedCount() {
		return this.received.sum();
	}

	/**
	 * Return how many messages this listener dropped because a channel queue was full, since it was created.
	 * @return the number of dropped messages
	 */
	public long droppedCount() {
		return this.dropReporter.total();
	}

	/**
	 * Return how many messages are queued or being handled.
	 * @return the number of pending messages, {@code 0} when stopped
	 */
	public long pendingCount() {
		ChannelDispatcher current = this.dispatcher;
		return (current != null) ? current.pendingCount() : 0;
	}

	/**
	 * Stop handling messages, keeping the channels subscribed: messages are queued, up to the queue capacity per
	 * channel, until {@link #resume()}. A message being handled completes. Also applies to a container not yet
	 * started, which then starts paused.
	 */
	public void pause() {
		this.lifecycleLock.lock();
		try {
			this.paused = true;
			ChannelDispatcher current = this.dispatcher;
			if (current != null) {
				current.pause();
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Handle messages again, first those queued while paused, in order per channel.
	 */
	public void resume() {
		this.lifecycleLock.lock();
		try {
			this.paused = false;
			ChannelDispatcher current = this.dispatcher;
			if (current != null) {
				current.resume();
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Return whether the container is paused.
	 * @return whether {@link #pause()} was called and not yet {@link #resume()}
	 */
	public boolean isPaused() {
		return this.paused;
	}

	@Override
	public void start() {
		this.lifecycleLock.lock();
		try {
			if (this.dispatcher != null) {
				return;
			}
			ChannelDispatcher dispatcher = new ChannelDispatcher(this.listenerId, this.executor,
					this.adapter::onMessage, this.properties.queueCapacity(), this.dropReporter,
					this.dispatchListener, this.received);
			if (this.paused) {
				dispatcher.pause();
			}
			this.subscriptions.subscribe(this.listenerId, this.channels, dispatcher);
			this.dispatcher = dispatcher;
			if (logger.isDebugEnabled()) {
				logger.debug("Started listener '" + this.listenerId + "' on channels " + this.channels);
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Unsubscribe, then wait up to the shutdown timeout for the queued messages to be handled.
	 */
	@Override
	public void stop() {
		stop(List.of(this));
	}

	@Override
	public boolean isRunning() {
		return this.dispatcher != null;
	}

	/**
	 * Stop the given containers together: all unsubscribe and stop accepting first, then their queues drain in
	 * parallel, so the whole takes at most one shutdown timeout rather than one per container.
	 * @param containers the containers to stop; those not running are skipped
	 */
	public static void stop(Collection<? extends ShardListenerContainer> containers) {
		List<Stopping> stopping = new ArrayList<>();
		for (ShardListenerContainer container : containers) {
			ChannelDispatcher dispatcher = container.beginStop();
			if (dispatcher != null) {
				// Paused: its queued messages are not to be handled, so there is nothing to wait for
				long deadline = System.nanoTime()
						+ (dispatcher.isPaused() ? 0 : container.properties.shutdownTimeout().toNanos());
				stopping.add(new Stopping(container, dispatcher, deadline));
			}
		}
		for (Stopping each : stopping) {
			each.container().finishStop(each.dispatcher(), each.deadline());
		}
	}

	private @Nullable ChannelDispatcher beginStop() {
		this.lifecycleLock.lock();
		try {
			ChannelDispatcher current = this.dispatcher;
			if (current == null) {
				return null;
			}
			this.dispatcher = null;
			try {
				this.subscriptions.unsubscribe(this.listenerId);
			}
			catch (RuntimeException ex) {
				logger.warn("Listener '" + this.listenerId + "' could not unsubscribe its channels", ex);
			}
			current.stopAccepting();
			return current;
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	private void finishStop(ChannelDispatcher dispatcher, long deadline) {
		boolean drained;
		try {
			drained = dispatcher.awaitDrained(deadline);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			drained = false;
		}
		this.dropReporter.flush();
		if (drained) {
			if (logger.isDebugEnabled()) {
				logger.debug("Stopped listener '" + this.listenerId + "'; every queued message was handled");
			}
			return;
		}
		long abandoned = dispatcher.abandon();
		logger.warn("Stopped listener '" + this.listenerId + "' with " + abandoned + " queued message(s) abandoned "
				+ "and " + dispatcher.pendingCount() + " still being handled after the shutdown timeout of "
				+ this.properties.shutdownTimeout().toMillis() + " ms (shard-pubsub.listener.shutdown-timeout); "
				+ dispatcher.ignoredAfterStop() + " arrived after it unsubscribed and were ignored");
	}

	@Override
	public String toString() {
		return "ShardListenerContainer[id=" + this.listenerId + ", channels=" + this.channels + ", running="
				+ isRunning() + ", paused=" + this.paused + "]";
	}

	private record Stopping(ShardListenerContainer container, ChannelDispatcher dispatcher, long deadline) {
	}

}
