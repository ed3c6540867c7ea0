package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.util.backoff.BackOff;

import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Keeps every wanted shard channel subscribed on the node that serves its slot, one {@code SSUBSCRIBE} per slot.
 * <p>
 * Listens for the {@link TopologyWatcher}'s events and re-routes only the slots they touch: a dropped
 * subscription is made again at once, learning the new owner from the {@code MOVED} answer when the topology
 * view is stale; a lost connection falls back to the slot's replicas (which keep serving once promoted); a slot
 * no node serves is retried on a back-off timer. Unsubscribes go to the node that really holds the channel, and
 * connections that hold nothing are closed.
 * <p>
 * All state changes run on one thread of its own; Redis answers are handed back to it, so no lock is held while
 * waiting on Redis and Redis I/O threads are never blocked.
 */
public class ShardSubscriptionReconciler
		implements ShardSubscriptions, ApplicationListener<ShardPubSubEvent>, SmartLifecycle, Ordered {

	/** Started after the topology watcher and before the listener containers. */
	public static final int PHASE = Integer.MAX_VALUE - 200;

	/** The default of {@link #setDeduplicationWindow(Duration)}. */
	public static final Duration DEFAULT_DEDUPLICATION_WINDOW = Duration.ofMillis(500);

	/** How often slots are checked: a standby for those without one, a move for those held outside their shard. */
	private static final long CHECK_MILLIS = 1000;

	/** How long standby subscriptions wait at most for the first subscribes of new slots. */
	private static final long STANDBY_DEFERRAL_NANOS = TimeUnit.SECONDS.toNanos(5);

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private final boolean followMoves;

	private final Duration shutdownTimeout;

	private final SubscriptionIndex index = new SubscriptionIndex();

	/** The channels of each listener, as given to each subscribe (the same channel may be in several). */
	private final Map<String, List<List<String>>> channelsByListener = new HashMap<>();

	private final SlotRouter router;

	private final SerialExecutor executor;

	/** Bumped by stop(): answers to commands sent before it are ignored after a restart. */
	private volatile long generation;

	private final AtomicLong subscribeCommands = new AtomicLong();

	private final StandbySubscriptions standby;

	private final MessageGate gate;

	private final SlotEvents events;

	private final AheadSubscriptions ahead;

	private volatile boolean running;

	/**
	 * Create a reconciler.
	 * @param nodes subscribes on single nodes
	 * @param topology the topology watcher
	 * @param publisher publishes move and failure events (from the watcher's events thread, in order)
	 * @param retryBackOff the back-off between attempts to subscribe a slot no node serves
	 * @param followMoves whether to re-route subscriptions on events ({@code false}: they stay where they are)
	 * @param shutdownTimeout how long stopping waits for the final unsubscribes
	 */
	public ShardSubscriptionReconciler(NodeSubscriptionClient nodes, TopologyWatcher topology,
			ApplicationEventPublisher publisher, BackOff retryBackOff, boolean followMoves, Duration shutdownTimeout) {
		this(nodes, topology, publisher, retryBackOff, followMoves, shutdownTimeout, new SerialExecutor());
	}

	ShardSubscriptionReconciler(NodeSubscriptionClient nodes, TopologyWatcher topology,
			ApplicationEventPublisher publisher, BackOff retryBackOff, boolean followMoves, Duration shutdownTimeout,
			SerialExecutor executor) {
		this.executor = executor;
		this.nodes = nodes;
		this.topology = topology;
		this.followMoves = followMoves;
		this.shutdownTimeout = shutdownTimeout;
		this.gate = new MessageGate(this.index, topology, DEFAULT_DEDUPLICATION_WINDOW);
		this.standby = new StandbySubscriptions(this, this.index, nodes, topology);
		// Moves and failures reach the application from the watcher's events thread: no listener holds up a subscribe.
		this.router = new SlotRouter(this, this.index, nodes, topology, (event) -> topology.publishLater(publisher, event),
				retryBackOff, this.standby);
		this.ahead = new AheadSubscriptions(this, this.index, nodes, topology, this.router);
		this.events = new SlotEvents(this.index, this.router, this.standby, this.gate, topology, this.ahead, nodes);
		// The standbys deferred while the first subscribes were under way, in one batch once every slot is held.
		this.index.onAllHeld(() -> execute(() -> this.nodes.batch(this.standby::ensureAll)));
		nodes.setListener(new NodeEvents(this.gate, topology));
		topology.setFirstListener(this::handle);
		nodes.setChannelNames(this.index::name);
	}

	// ShardSubscriptions

	@Override
	public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		List<String> wanted = List.copyOf(new LinkedHashSet<>(channels));
		execute(() -> this.nodes.batch(() -> {
			this.index.awaitFirstHolders(STANDBY_DEFERRAL_NANOS);
			Set<SlotSubscription> touched = new LinkedHashSet<>();
			this.channelsByListener.computeIfAbsent(listenerId, (id) -> new ArrayList<>()).add(wanted);
			// One map for every channel this listener alone wants.
			Map<String, ShardMessageSink> alone = Map.of(listenerId, sink);
			for (String channel : wanted) {
				ChannelListeners listeners = this.index.addChannel(channel);
				listeners.addSink(alone);
				touched.add(listeners.slot);
			}
			touched.forEach(this.router::reconcile);
		}));
	}

	@Override
	public void unsubscribe(String listenerId) {
		execute(() -> this.nodes.batch(() -> {
			List<List<String>> own = this.channelsByListener.remove(listenerId);
			if (own == null) {
				return;
			}
			Set<SlotSubscription> touched = new LinkedHashSet<>();
			for (List<String> channels : own) {
				for (String channel : channels) {
					ChannelListeners listeners = this.index.channel(channel);
					if (listeners != null && listeners.removeSink(listenerId) && listeners.sinks.isEmpty()) {
						this.index.removeChannel(listeners);
						touched.add(listeners.slot);
					}
				}
			}
			touched.forEach(this.router::reconcile);
		}));
	}

	@Override
	public List<ChannelSubscription> channels() {
		return this.index.channelStates();
	}

	/**
	 * How many {@code SSUBSCRIBE} commands were sent since start (one per slot and attempt).
	 * @return the command count
	 */
	public long getSubscribeCommandCount() {
		return this.subscribeCommands.get();
	}

	/**
	 * How many messages arrived from a node that does not hold their channel's subscription (a replica or a
	 * former owner during a move) and were not delivered, to avoid duplicates.
	 * @return the ignored message count
	 */
	public long getIgnoredMessageCount() {
		return this.gate.ignoredCount();
	}

	/**
	 * How many messages were dropped as the second copy of one already delivered: after a move inside a shard (a
	 * failover), the new node delivered a message the old one had delivered just before.
	 * @return the dropped copy count
	 * @see #setDeduplicationWindow(Duration)
	 */
	public long getDroppedCopyCount() {
		return this.gate.droppedCopyCount();
	}

	/**
	 * How long a channel remembers what it delivered, to recognise a second copy after a move inside a shard
	 * (default 500 ms; zero turns it off). Redis messages carry no id: a message from the shard's new node whose
	 * payload equals one the old node delivered within this window is dropped, so two equal payloads published on
	 * one channel within the window around a failover are delivered once (see {@code docs/guarantees.md}).
	 * @param window the window, zero to deliver every copy
	 */
	public void setDeduplicationWindow(Duration window) {
		this.gate.setWindow(window);
	}

	/**
	 * How long a channel remembers what it delivered.
	 * @return the window
	 * @see #setDeduplicationWindow(Duration)
	 */
	public Duration getDeduplicationWindow() {
		return this.gate.window();
	}

	/**
	 * Reconcile every slot now, on the reconciler's thread: subscribe what is missing, retry uncovered slots
	 * without waiting for their back-off, and refresh the topology so that missed moves are followed (for the
	 * Actuator endpoint). Returns at once.
	 */
	public void reconcileAll() {
		this.topology.requestRefresh();
		execute(() -> this.nodes.batch(() -> this.index.slots().forEach(this.router::reconcile)));
	}

	/**
	 * Whether to keep a connection open to every master and replica, even one that holds no subscription, so that
	 * a subscription moving there does not wait for a new connection (default {@code true}). Idle connections to
	 * failed nodes and nodes that left are closed either way.
	 * @param keepConnections whether to keep them
	 */
	public void setKeepConnections(boolean keepConnections) {
		this.router.setKeepConnections(keepConnections);
	}

	/**
	 * Whether to keep a standby subscription of every slot on another node of its holder's shard (default
	 * {@code false} here; the auto-configuration turns it on). It delivers at once when the holder loses the
	 * subscription (a crash, a killed connection, a failover), at the price of one more subscription per slot and
	 * every message travelling twice. Set before {@link #start()}.
	 * @param standby whether to keep standby subscriptions
	 */
	public void setStandby(boolean standby) {
		this.standby.setEnabled(standby);
	}

	/**
	 * Set who is told about each reconcile pass (for metrics).
	 * @param passListener the listener, or {@code null}
	 */
	public void setPassListener(ReconcilePassListener passListener) {
		this.executor.setPassListener(passListener);
	}

	// Events

	@Override
	public void onApplicationEvent(ShardPubSubEvent event) {
		// The watcher's own events came first, in the order the nodes reported them (TopologyWatcher#setFirstListener)
		if (event.getSource() != this.topology) {
			handle(event);
		}
	}

	private void handle(ShardPubSubEvent event) {
		Runnable task = this.followMoves ? this.events.taskFor(event) : null;
		if (task != null) {
			execute(task);
		}
	}

	/** See {@link SlotEvents#standbyRetaken}. */
	void standbyRetaken(SlotSubscription slot, NodeAddress node) {
		this.events.standbyRetaken(slot, node);
	}

	/** See {@link SlotEvents#checkRetaken}. */
	void checkRetaken(SlotSubscription slot) {
		this.events.checkRetaken(slot);
	}

	/**
	 * Whether new standby subscriptions wait: while slots that were never held get their first subscription (a cold
	 * start), for at most a few seconds, so that the standbys' subscribes do not compete with the holders'.
	 */
	boolean standbysWait() {
		return this.index.awaitingFirstHolders();
	}

	void handOver(SlotSubscription slot, NodeAddress standby) {
		this.gate.acceptOnly(slot, standby);
	}

	// Lifecycle, and the reconciler's thread

	void execute(Runnable task) {
		this.executor.execute(task);
	}

	ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
		return this.executor.schedule(task, delayMillis);
	}

	long generation() {
		return this.generation;
	}

	void countSubscribeCommand() {
		this.subscribeCommands.incrementAndGet();
	}

	@Override
	public void start() {
		this.executor.restartIfShutdown();
		this.running = true;
		execute(() -> this.nodes.batch(() -> {
			this.index.awaitFirstHolders(STANDBY_DEFERRAL_NANOS);
			this.router.connectToServingNodes();
			this.index.slots().forEach(this.router::reconcile);
		}));
		this.executor.scheduleWithFixedDelay(() -> {
			if (this.standby.isEnabled()) {
				this.standby.ensureAll();
			}
			if (this.followMoves) {
				this.events.verifyHolders();
			}
		}, CHECK_MILLIS);
	}

	@Override
	public void stop() {
		CompletableFuture<List<CompletableFuture<Void>>> unsubscribes = new CompletableFuture<>();
		execute(() -> {
			this.running = false;
			this.generation++;
			List<CompletableFuture<Void>> pending = new ArrayList<>();
			for (SlotSubscription slot : this.index.slots()) {
				if (slot.holder != null && !slot.holderLost() && !slot.held.isEmpty()) {
					pending.add(this.nodes.unsubscribe(slot.holder, List.copyOf(slot.held)));
				}
				if (slot.standby != null && !slot.standbyHeld.isEmpty()) {
					pending.add(this.nodes.unsubscribe(slot.standby, List.copyOf(slot.standbyHeld)));
				}
				if (slot.ahead != null && !slot.aheadHeld.isEmpty()) {
					pending.add(this.nodes.unsubscribe(slot.ahead, List.copyOf(slot.aheadHeld)));
				}
				// Kept as wanted, held nowhere: a restart subscribes everything again.
				slot.reset();
				this.index.forgetHolders(slot);
			}
			unsubscribes.complete(pending);
		});
		try {
			List<CompletableFuture<Void>> pending = unsubscribes.get(this.shutdownTimeout.toMillis(),
					TimeUnit.MILLISECONDS);
			CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
				.get(this.shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.debug("Not every shard channel was unsubscribed before shutdown: " + ex.getMessage());
		}
		finally {
			this.running = false;
			this.executor.shutdown();
			this.nodes.close();
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

	/**
	 * First among the listeners of an event: the move starts before metrics and application listeners see it.
	 */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
