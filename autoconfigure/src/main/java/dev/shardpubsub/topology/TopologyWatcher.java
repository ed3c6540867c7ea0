package dev.shardpubsub.topology;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.event.SlotOwnershipChangedEvent;
import dev.shardpubsub.event.SubscriptionDroppedEvent;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotOwnerChange;

/**
 * Turns everything that can move a shard subscription into Spring application events: slot ownership changes
 * (from the client's topology events and a periodic refresh that notices crashed masters), subscriptions a node
 * dropped on its own (its {@code sunsubscribe} push), and lost node connections.
 * <p>
 * Ownership changes are published only when some slot really has a new owner. Events are published in the order
 * they happened, from a thread of the watcher's own ({@code shard-pubsub-events}): never from a Redis I/O thread,
 * so that a slow event listener does not hold up Redis I/O.
 */
public class TopologyWatcher implements SmartLifecycle {

	/** Started before the reconciler and the listeners, stopped after them. */
	public static final int PHASE = Integer.MAX_VALUE - 300;

	private static final Log logger = LogFactory.getLog(TopologyWatcher.class);

	private static final long STALE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);

	private static final long MIN_REFRESH_INTERVAL_MILLIS = 100;

	private static final long SOON_MILLIS = 50;

	private final ClusterTopology topology;

	private final ApplicationEventPublisher publisher;

	private final Duration refreshPeriod;

	// Given: not ours to shut down; null: a thread of our own while running
	private final @Nullable Executor givenEventExecutor;

	private volatile @Nullable ExecutorService eventExecutor;

	private volatile @Nullable Consumer<ShardPubSubEvent> firstListener;

	private final AtomicLong refreshStartedNanos = new AtomicLong();

	private final AtomicBoolean refreshScheduled = new AtomicBoolean();

	private volatile long lastRefreshNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

	private volatile @Nullable SlotOwnership current;

	private volatile @Nullable ScheduledExecutorService scheduler;

	private @Nullable ScheduledFuture<?> periodic;

	private @Nullable AutoCloseable changes;

	private volatile boolean running;

	/**
	 * Create a watcher.
	 * @param topology where the topology comes from
	 * @param publisher publishes the events
	 * @param refreshPeriod the period of the backstop refresh
	 */
	public TopologyWatcher(ClusterTopology topology, ApplicationEventPublisher publisher, Duration refreshPeriod) {
		this(topology, publisher, refreshPeriod, null);
	}

	/**
	 * Create a watcher that publishes its events on the given executor.
	 * @param topology where the topology comes from
	 * @param publisher publishes the events
	 * @param refreshPeriod the period of the backstop refresh
	 * @param eventExecutor runs the publication of the events, one at a time and in order (a single thread, or
	 * the caller's own); {@code null} for a thread of the watcher's own while it runs
	 */
	public TopologyWatcher(ClusterTopology topology, ApplicationEventPublisher publisher, Duration refreshPeriod,
			@Nullable Executor eventExecutor) {
		this.topology = topology;
		this.publisher = publisher;
		this.refreshPeriod = refreshPeriod;
		this.givenEventExecutor = eventExecutor;
	}

	/**
	 * Set the listener given each event first, on the thread that noticed it and in the order the nodes reported,
	 * before the event is published to the application from the watcher's thread: the subscription reconciler, which
	 * only hands the event to its own thread, so a move keeps its place among the node's other replies whatever the
	 * application's listeners do.
	 * @param firstListener the listener, or {@code null} for none
	 */
	public void setFirstListener(@Nullable Consumer<ShardPubSubEvent> firstListener) {
		this.firstListener = firstListener;
	}

	/**
	 * The latest slot ownership seen, loaded on first use.
	 * @return the ownership
	 */
	public SlotOwnership current() {
		SlotOwnership snapshot = this.current;
		if (snapshot == null) {
			synchronized (this) {
				if (this.current == null) {
					this.current = this.topology.current();
				}
				snapshot = this.current;
			}
		}
		return snapshot;
	}

	/**
	 * Refresh the topology now, in the background. While a refresh is under way, or if one started less than
	 * 100 ms ago, one more follows when it may, so that bursts of requests cost one refresh.
	 */
	public void requestRefresh() {
		long now = System.nanoTime();
		long started = this.refreshStartedNanos.get();
		if (started != 0 && now - started < STALE_REFRESH_NANOS) {
			scheduleRefresh(MIN_REFRESH_INTERVAL_MILLIS);
			return;
		}
		long sinceLast = now - this.lastRefreshNanos;
		if (sinceLast < TimeUnit.MILLISECONDS.toNanos(MIN_REFRESH_INTERVAL_MILLIS)) {
			scheduleRefresh(MIN_REFRESH_INTERVAL_MILLIS - TimeUnit.NANOSECONDS.toMillis(sinceLast));
			return;
		}
		if (!this.refreshStartedNanos.compareAndSet(started, now)) {
			return;
		}
		this.lastRefreshNanos = now;
		try {
			this.topology.refresh().whenComplete((ownership, error) -> {
				this.refreshStartedNanos.compareAndSet(now, 0);
				if (error != null) {
					logger.debug("Topology refresh failed: " + error.getMessage());
				}
				else {
					update(ownership);
				}
			});
		}
		catch (RuntimeException ex) {
			this.refreshStartedNanos.compareAndSet(now, 0);
			logger.debug("Topology refresh failed: " + ex.getMessage());
		}
	}

	/**
	 * Refresh the topology shortly, in the background: after a redirect or a failure, the reconciler's own
	 * resubscribe goes first and the refresh does not compete with it.
	 */
	public void requestRefreshSoon() {
		scheduleRefresh(SOON_MILLIS);
	}

	private void scheduleRefresh(long delayMillis) {
		ScheduledExecutorService current = this.scheduler;
		if (current == null) {
			return;
		}
		if (this.refreshScheduled.compareAndSet(false, true)) {
			try {
				current.schedule(() -> {
					this.refreshScheduled.set(false);
					requestRefresh();
				}, Math.max(1, delayMillis), TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				this.refreshScheduled.set(false);
			}
		}
	}

	/**
	 * A node pushed {@code sunsubscribe} for a channel we did not ask to unsubscribe.
	 * @param node the node
	 * @param channel the channel
	 */
	public void serverUnsubscribed(NodeAddress node, String channel) {
		long now = System.nanoTime();
		if (logger.isDebugEnabled()) {
			logger.debug(node + " dropped the subscription of '" + channel + "'");
		}
		publish(new SubscriptionDroppedEvent(this, node, List.of(channel), now));
	}

	/**
	 * The subscription connection to a node was lost.
	 * @param node the node
	 * @param cause why
	 */
	public void connectionLost(NodeAddress node, String cause) {
		long now = System.nanoTime();
		logger.info("Lost the subscription connection to " + node + " (" + cause + "); resubscribing its channels");
		publish(new NodeConnectionLostEvent(this, node, cause, now));
		requestRefresh();
	}

	/**
	 * Take a newer ownership snapshot and publish what changed.
	 * @param newer the newer snapshot
	 */
	public void update(SlotOwnership newer) {
		List<SlotOwnerChange> changes;
		synchronized (this) {
			SlotOwnership previous = current();
			changes = previous.changesTo(newer);
			if (changes.isEmpty() && !previous.replicasDifferFrom(newer)) {
				return;
			}
			this.current = newer;
		}
		if (!changes.isEmpty()) {
			SlotOwnershipChangedEvent event = new SlotOwnershipChangedEvent(this, changes, System.nanoTime());
			logger.info("Slot ownership changed: " + event);
			publish(event);
		}
	}

	private void publish(ShardPubSubEvent event) {
		Consumer<ShardPubSubEvent> first = this.firstListener;
		if (first != null) {
			try {
				first.accept(event);
			}
			catch (RuntimeException ex) {
				logger.warn("The first listener of " + event + " failed", ex);
			}
		}
		publishLater(this.publisher, event);
	}

	/**
	 * Publish an event from the thread that publishes the watcher's events, after the events published before it:
	 * for other components' events that must not hold up the thread that made them (the reconciler's moves and
	 * failures). Publishes at once when the watcher is not running, and drops the event once it stopped. A listener
	 * that throws is logged.
	 * @param publisher the publisher
	 * @param event the event
	 */
	public void publishLater(ApplicationEventPublisher publisher, Object event) {
		Executor executor = (this.givenEventExecutor != null) ? this.givenEventExecutor : this.eventExecutor;
		if (executor == null) {
			publishNow(publisher, event);
			return;
		}
		try {
			executor.execute(() -> publishNow(publisher, event));
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Stopped; not publishing " + event);
		}
	}

	private static void publishNow(ApplicationEventPublisher publisher, Object event) {
		try {
			publisher.publishEvent(event);
		}
		catch (RuntimeException ex) {
			logger.warn("A listener of " + event + " failed", ex);
		}
	}

	@Override
	public void start() {
		current();
		if (this.givenEventExecutor == null) {
			this.eventExecutor = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, "shard-pubsub-events");
				thread.setDaemon(true);
				return thread;
			});
		}
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "shard-pubsub-topology");
			thread.setDaemon(true);
			return thread;
		});
		long period = Math.max(1, this.refreshPeriod.toMillis());
		this.periodic = this.scheduler.scheduleWithFixedDelay(this::requestRefresh, period, period,
				TimeUnit.MILLISECONDS);
		this.changes = this.topology.onChange(this::update);
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.periodic != null) {
			this.periodic.cancel(false);
		}
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
		}
		ExecutorService events = this.eventExecutor;
		this.eventExecutor = null;
		if (events != null) {
			// Events already queued are still delivered, in order
			events.shutdown();
		}
		if (this.changes != null) {
			try {
				this.changes.close();
			}
			catch (Exception ex) {
				logger.debug("Could not stop listening to topology events", ex);
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
