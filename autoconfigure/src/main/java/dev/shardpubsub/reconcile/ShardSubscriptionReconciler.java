package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.backoff.BackOff;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.event.SlotOwnershipChangedEvent;
import dev.shardpubsub.event.SubscriptionDroppedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.node.NodeSubscriptionListener;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.topology.NodeAddress;
import dev.shardpubsub.topology.SlotOwnerChange;
import dev.shardpubsub.topology.SlotOwnership;
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
		implements ShardSubscriptions, ApplicationListener<ShardPubSubEvent>, SmartLifecycle {

	/** Started after the topology watcher and before the listener containers. */
	public static final int PHASE = Integer.MAX_VALUE - 200;

	/**
	 * The default of {@link #setDeduplicationWindow(Duration)}.
	 */
	public static final Duration DEFAULT_DEDUPLICATION_WINDOW = Duration.ofMillis(200);

	/** How often slots without a standby are given one (a replica that appeared, a node that refused). */
	private static final long STANDBY_CHECK_MILLIS = 1000;

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private final ApplicationEventPublisher publisher;

	private final boolean followMoves;

	private final Duration shutdownTimeout;

	private final SubscriptionIndex index = new SubscriptionIndex();

	private final Map<String, Set<String>> channelsByListener = new HashMap<>();

	private final SlotRouter router;

	private volatile ScheduledThreadPoolExecutor executor;

	/** Bumped by stop(): answers to commands sent before it are ignored after a restart. */
	private volatile long generation;

	private final AtomicLong subscribeCommands = new AtomicLong();

	private final StandbySubscriptions standby;

	private final MessageGate gate;

	private volatile boolean running;

	private volatile ReconcilePassListener passListener;

	/**
	 * Create a reconciler.
	 * @param nodes subscribes on single nodes
	 * @param topology the topology watcher
	 * @param publisher publishes move and failure events
	 * @param retryBackOff the back-off between attempts to subscribe a slot no node serves
	 * @param followMoves whether to re-route subscriptions on events ({@code false}: they stay where they are)
	 * @param shutdownTimeout how long stopping waits for the final unsubscribes
	 */
	public ShardSubscriptionReconciler(NodeSubscriptionClient nodes, TopologyWatcher topology,
			ApplicationEventPublisher publisher, BackOff retryBackOff, boolean followMoves, Duration shutdownTimeout) {
		this.nodes = nodes;
		this.topology = topology;
		this.publisher = publisher;
		this.followMoves = followMoves;
		this.shutdownTimeout = shutdownTimeout;
		this.gate = new MessageGate(this.index, topology, DEFAULT_DEDUPLICATION_WINDOW);
		this.standby = new StandbySubscriptions(this, this.index, nodes, topology);
		this.router = new SlotRouter(this, this.index, nodes, topology, publisher, retryBackOff, this.standby);
		this.executor = newExecutor();
		nodes.setListener(new NodeEvents());
	}

	// ShardSubscriptions

	@Override
	public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		List<String> wanted = List.copyOf(new LinkedHashSet<>(channels));
		execute(() -> {
			Set<SlotSubscription> touched = new LinkedHashSet<>();
			Set<String> own = this.channelsByListener.computeIfAbsent(listenerId, (id) -> new LinkedHashSet<>());
			for (String channel : wanted) {
				ChannelListeners listeners = this.index.addChannel(channel);
				listeners.sinks.put(listenerId, sink);
				own.add(channel);
				touched.add(listeners.slot);
			}
			touched.forEach(this.router::reconcile);
		});
	}

	@Override
	public void unsubscribe(String listenerId) {
		execute(() -> {
			Set<String> own = this.channelsByListener.remove(listenerId);
			if (own == null) {
				return;
			}
			Set<SlotSubscription> touched = new LinkedHashSet<>();
			for (String channel : own) {
				ChannelListeners listeners = this.index.channel(channel);
				if (listeners != null && listeners.sinks.remove(listenerId) != null && listeners.sinks.isEmpty()) {
					this.index.removeChannel(listeners);
					touched.add(listeners.slot);
				}
			}
			touched.forEach(this.router::reconcile);
		});
	}

	@Override
	public List<ChannelSubscription> channels() {
		List<ChannelSubscription> result = new ArrayList<>();
		for (ChannelListeners listeners : this.index.channels()) {
			SlotSubscription slot = listeners.slot;
			// A channel added to a subscribed slot is subscribed once its holder confirmed it.
			boolean confirmed = slot.state != State.SUBSCRIBED || slot.held.contains(listeners.channel);
			State state = confirmed ? slot.state : State.PENDING;
			NodeAddress holder = confirmed ? slot.holder : null;
			long last = listeners.lastMessageAtMillis;
			// A channel waiting for its own confirmation waits since it was added, not since the slot settled.
			Instant since = confirmed ? slot.stateSince : latest(slot.stateSince, listeners.addedAt);
			result.add(new ChannelSubscription(listeners.channel, slot.slot, state,
					(holder != null) ? holder.toString() : null, Set.copyOf(listeners.sinks.keySet()), since,
					(last != 0) ? Instant.ofEpochMilli(last) : null, slot.moves, slot.lastGap));
		}
		result.sort(Comparator.comparing(ChannelSubscription::channel));
		return result;
	}

	private static Instant latest(Instant first, Instant second) {
		return first.isAfter(second) ? first : second;
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
	 * (default 200 ms; zero turns it off).
	 * <p>
	 * Every node of a shard delivers every message of its slots, each a little later than the node it was published
	 * on (the cluster bus; measured up to ~50 ms on a loaded host; a take-over replays the standby's last half window,
	 * so that much lag is covered). When a failover or a crash moves a subscription to another node of the shard,
	 * that node can deliver again a message the old one delivered just before. Redis
	 * messages carry no id: a message from the new node whose payload equals one the old node delivered within this
	 * window is taken for that copy and dropped. So two equal payloads published on one channel within the window
	 * around such a move are delivered once. Moves between shards (reshards) and reconnects to the same node are not
	 * affected.
	 * @param window the window, zero to deliver every copy
	 */
	public void setDeduplicationWindow(Duration window) {
		this.gate.setWindow(window);
	}

	Duration deduplicationWindow() {
		return this.gate.window();
	}

	/**
	 * Reconcile every slot now, on the reconciler's thread: subscribe what is missing, retry uncovered slots
	 * without waiting for their back-off, and refresh the topology so that missed moves are followed (for the
	 * Actuator endpoint). Returns at once.
	 */
	public void reconcileAll() {
		this.topology.requestRefresh();
		execute(() -> this.index.slots().forEach(this.router::reconcile));
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
	 * {@code false} here; the auto-configuration turns it on). The standby delivers at once when the holder loses the
	 * subscription: a crashed master or a killed connection costs no round trip, and a {@code CLUSTER FAILOVER} no
	 * longer loses the messages the old master queued while its writes were paused. The price is one more
	 * subscription per slot, and every message travelling twice from the cluster to this application (the standby's
	 * copies are dropped on arrival). Set before {@link #start()}.
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
		this.passListener = passListener;
	}

	// Events

	@Override
	public void onApplicationEvent(ShardPubSubEvent event) {
		if (!this.followMoves) {
			return;
		}
		if (event instanceof SubscriptionDroppedEvent dropped) {
			execute(() -> dropped(dropped));
		}
		else if (event instanceof NodeConnectionLostEvent lost) {
			execute(() -> connectionLost(lost));
		}
		else if (event instanceof SlotOwnershipChangedEvent changed) {
			execute(() -> ownershipChanged(changed));
		}
	}

	private void dropped(SubscriptionDroppedEvent event) {
		for (String channel : event.getChannels()) {
			ChannelListeners listeners = this.index.channel(channel);
			if (listeners == null) {
				continue;
			}
			SlotSubscription slot = listeners.slot;
			if (event.getNode().equals(slot.holder) && !slot.holderLost()) {
				if (takesOver(slot)) {
					// The standby dropped the slot and took it again before the holder did: it is the new master.
					slot.lost(MoveReason.SERVER_PUSH, event.getDetectedNanos());
					this.router.promoteStandby(slot, false);
					continue;
				}
				boolean bridge = slot.standbyReady();
				slot.lost(MoveReason.SERVER_PUSH, event.getDetectedNanos());
				if (!this.topology.current().isMaster(event.getNode())) {
					// A replica in our view: on Redis 7.2+ a replica drops its subscribers when it is promoted (a
					// crashed master's replica holding the slot since), so it is asked first, and no ROLE is needed:
					// if it accepts, it serves the slot; if its shard lost the slot, it answers MOVED.
					slot.tryFirstWithoutRole(event.getNode());
				}
				if (bridge) {
					// The standby delivers while the move finds the slot's node: after a failover, it is that node.
					slot.bridgedBy(slot.standby);
					handOver(slot, slot.standby);
				}
				if (logger.isDebugEnabled()) {
					logger.debug("Slot " + slot.slot + ": " + event.getNode() + " dropped it; " + (bridge
							? "the standby on " + slot.standby + " delivers meanwhile"
							: "no standby ready (" + slot.standby + " holds " + slot.standbyHeld + ")"));
				}
				this.router.reconcile(slot);
			}
			else if (event.getNode().equals(slot.standby)) {
				this.standby.dropped(slot, channel);
			}
		}
	}

	private static boolean takesOver(SlotSubscription slot) {
		NodeAddress retaken = slot.alsoAccept;
		return retaken != null && retaken.equals(slot.standby) && slot.standbyReady() && !slot.inFlight;
	}

	/**
	 * The standby node dropped the slot and accepted our subscription again right after (see
	 * {@link StandbySubscriptions#dropped}): on Redis 7.2+ and Valkey that is a replica promoted by a failover, the
	 * slot's new master. Its messages are delivered from now on; the holder's too until it drops the slot in turn (it
	 * may still deliver what was published on it before it learned of its demotion), copies dropped by payload. When
	 * the holder dropped first, the move ends on this node.
	 * @param slot the slot
	 * @param node the standby node
	 */
	void standbyRetaken(SlotSubscription slot, NodeAddress node) {
		if (!node.equals(slot.standby) || !slot.standbyReady()) {
			return;
		}
		slot.alsoAcceptView = this.topology.current();
		// What it sent before it dropped the slot goes first, in order: copies of the holder's deliveries.
		this.gate.acceptAlso(slot, node);
		boolean moving = slot.holder == null || slot.holderLost();
		if (logger.isDebugEnabled()) {
			logger.debug("Slot " + slot.slot + ": the standby on " + node + " dropped it and took it again; "
					+ (moving ? "the move ends there" : "delivering from it and from " + slot.holder));
		}
		if (moving && !slot.inFlight) {
			this.router.promoteStandby(slot, false);
		}
	}

	/**
	 * A standby accepted besides the holder after its own push, seen again in a newer topology view: the holder did
	 * not drop the slot. If the view names the standby the owner, the subscription moves there; otherwise the standby
	 * only re-took its subscription (it was no failover), and is a standby again.
	 * @param slot the slot
	 */
	void checkRetaken(SlotSubscription slot) {
		NodeAddress retaken = slot.alsoAccept;
		SlotOwnership view = this.topology.current();
		if (retaken == null || view == slot.alsoAcceptView) {
			return;
		}
		if (retaken.equals(view.owner(slot.slot)) && takesOver(slot) && slot.holder != null && !slot.holderLost()) {
			slot.lost(MoveReason.TOPOLOGY_CHANGE, System.nanoTime());
			this.router.promoteStandby(slot, false);
		}
		else {
			slot.alsoAccept = null;
			slot.alsoAcceptView = null;
		}
	}

	private void connectionLost(NodeConnectionLostEvent event) {
		// Standbys first: the promotions below give their slots new standbys, possibly on this node again.
		this.standby.connectionLost(event.getNode());
		for (SlotSubscription slot : this.index.heldBy(event.getNode())) {
			if (!slot.holderLost()) {
				boolean promote = slot.standbyReady() && !slot.inFlight && !slot.standby.equals(event.getNode());
				slot.lost(MoveReason.RECONNECT, event.getDetectedNanos());
				if (promote) {
					this.router.promoteStandby(slot, true);
				}
				else {
					this.router.reconcile(slot);
				}
			}
		}
	}

	private void ownershipChanged(SlotOwnershipChangedEvent event) {
		for (SlotOwnerChange change : event.getChanges()) {
			SlotSubscription slot = this.index.slot(change.slot());
			if (slot == null || change.to() == null) {
				continue;
			}
			if (slot.inFlight) {
				// Settling the in-flight subscribe would forget this change: check its result against it instead.
				slot.ownerChangedInFlight = true;
				slot.dirty = true;
			}
			else if (slot.holder == null || slot.holderLost()) {
				// Waiting for a node: try the new owner now rather than on the retry timer.
				slot.cancelRetry();
				slot.failedNodes.clear();
				slot.hint = null;
				this.router.reconcile(slot);
			}
			else if (!this.topology.current().sameShard(change.to(), slot.holder)) {
				// Held in another shard: move, make before break. Held by the new owner or one of its replicas, it
				// stays: that node delivers every message of the shard, and a switch inside one shard is not exact.
				slot.ownerChanged(event.getDetectedNanos());
				this.router.reconcile(slot);
			}
		}
		this.router.connectToServingNodes();
	}

	void handOver(SlotSubscription slot, NodeAddress standby) {
		this.gate.acceptOnly(slot, standby);
	}

	// Lifecycle, and the reconciler's thread

	void execute(Runnable task) {
		try {
			this.executor.execute(() -> {
				long started = System.nanoTime();
				try {
					task.run();
				}
				catch (RuntimeException ex) {
					logger.error("Shard subscription reconcile step failed", ex);
				}
				ReconcilePassListener listener = this.passListener;
				if (listener != null) {
					listener.onPass(Duration.ofNanos(System.nanoTime() - started));
				}
			});
		}
		catch (RuntimeException ex) {
			logger.debug("Reconciler stopped; dropped a step: " + ex.getMessage());
		}
	}

	ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
		return this.executor.schedule(() -> execute(task), delayMillis, TimeUnit.MILLISECONDS);
	}

	long generation() {
		return this.generation;
	}

	void countSubscribeCommand() {
		this.subscribeCommands.incrementAndGet();
	}

	@Override
	public void start() {
		if (this.executor.isShutdown()) {
			this.executor = newExecutor();
		}
		this.running = true;
		execute(() -> {
			this.router.connectToServingNodes();
			this.index.slots().forEach(this.router::reconcile);
		});
		if (this.standby.isEnabled()) {
			this.executor.scheduleWithFixedDelay(() -> execute(this.standby::ensureAll),
					STANDBY_CHECK_MILLIS, STANDBY_CHECK_MILLIS, TimeUnit.MILLISECONDS);
		}
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
				// Kept as wanted, held nowhere: a restart subscribes everything again.
				slot.reset();
				this.index.holder(slot, null);
				this.index.standby(slot, null);
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
			this.executor.shutdownNow();
			this.nodes.close();
		}
	}

	private static ScheduledThreadPoolExecutor newExecutor() {
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "shard-pubsub-reconciler");
			thread.setDaemon(true);
			return thread;
		});
		executor.setRemoveOnCancelPolicy(true);
		return executor;
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
	 * Messages to listeners; drops and lost connections to the watcher, which publishes them as events.
	 */
	private final class NodeEvents implements NodeSubscriptionListener {

		@Override
		public void onMessage(NodeAddress node, String channel, byte[] payload) {
			ShardSubscriptionReconciler.this.gate.deliver(node, channel, payload);
		}

		@Override
		public void onServerUnsubscribe(NodeAddress node, String channel) {
			ShardSubscriptionReconciler.this.topology.serverUnsubscribed(node, channel);
		}

		@Override
		public void onConnectionLost(NodeAddress node, String cause) {
			ShardSubscriptionReconciler.this.topology.connectionLost(node, cause);
		}

	}

}
