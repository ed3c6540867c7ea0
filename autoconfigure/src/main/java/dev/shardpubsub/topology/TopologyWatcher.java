package dev.shardpubsub.topology;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.SlotOwnershipChangedEvent;
import dev.shardpubsub.event.SubscriptionDroppedEvent;

/**
 * Turns everything that can move a shard subscription into Spring application events: slot ownership changes
 * (from the client's topology events and a periodic refresh that notices crashed masters), subscriptions a node
 * dropped on its own (its {@code sunsubscribe} push), and lost node connections.
 * <p>
 * Ownership changes are published only when some slot really has a new owner.
 */
public class TopologyWatcher implements SmartLifecycle {

	/** Started before the reconciler and the listeners, stopped after them. */
	public static final int PHASE = Integer.MAX_VALUE - 300;

	private static final Log logger = LogFactory.getLog(TopologyWatcher.class);

	private static final long STALE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final ClusterTopology topology;

	private final ApplicationEventPublisher publisher;

	private final Duration refreshPeriod;

	private final AtomicLong refreshStartedNanos = new AtomicLong();

	private volatile SlotOwnership current;

	private ScheduledExecutorService scheduler;

	private ScheduledFuture<?> periodic;

	private AutoCloseable changes;

	private volatile boolean running;

	/**
	 * Create a watcher.
	 * @param topology where the topology comes from
	 * @param publisher publishes the events
	 * @param refreshPeriod the period of the backstop refresh
	 */
	public TopologyWatcher(ClusterTopology topology, ApplicationEventPublisher publisher, Duration refreshPeriod) {
		this.topology = topology;
		this.publisher = publisher;
		this.refreshPeriod = refreshPeriod;
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
	 * Refresh the topology now, in the background, unless a refresh is already under way.
	 */
	public void requestRefresh() {
		long now = System.nanoTime();
		long started = this.refreshStartedNanos.get();
		if (started != 0 && now - started < STALE_REFRESH_NANOS) {
			return;
		}
		if (!this.refreshStartedNanos.compareAndSet(started, now)) {
			return;
		}
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
	 * A node pushed {@code sunsubscribe} for a channel we did not ask to unsubscribe.
	 * @param node the node
	 * @param channel the channel
	 */
	public void serverUnsubscribed(NodeAddress node, String channel) {
		long now = System.nanoTime();
		if (logger.isDebugEnabled()) {
			logger.debug(node + " dropped the subscription of '" + channel + "'");
		}
		this.publisher.publishEvent(new SubscriptionDroppedEvent(this, node, List.of(channel), now));
	}

	/**
	 * The subscription connection to a node was lost.
	 * @param node the node
	 * @param cause why
	 */
	public void connectionLost(NodeAddress node, String cause) {
		long now = System.nanoTime();
		logger.info("Lost the subscription connection to " + node + " (" + cause + "); resubscribing its channels");
		this.publisher.publishEvent(new NodeConnectionLostEvent(this, node, cause, now));
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
			this.publisher.publishEvent(event);
		}
	}

	@Override
	public void start() {
		current();
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
