package dev.shardpubsub.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationListener;

import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;

/**
 * Subscription metrics: channels by state, uncovered slots, open node connections, moves and failures (from the
 * {@link SubscriptionMovedEvent}s and {@link SubscriptionFailedEvent}s), the resubscribe gap and the duration of
 * reconcile passes.
 * <p>
 * The state gauges share one snapshot of {@link ShardSubscriptions#channels()}, taken at most once per
 * {@link #SNAPSHOT_TTL}, so that a scrape of them all walks the channels once.
 */
public class ShardSubscriptionMetrics implements MeterBinder, ApplicationListener<ShardPubSubEvent> {

	/** Channels by state (tag {@code state}). */
	public static final String SUBSCRIPTIONS = "shard.pubsub.subscriptions";

	/** Slots with channels that no reachable node serves. */
	public static final String UNCOVERED_SLOTS = "shard.pubsub.slots.uncovered";

	/** Open (or opening) pub/sub connections to nodes. */
	public static final String NODE_CONNECTIONS = "shard.pubsub.node.connections";

	/**
	 * Slot subscriptions moved to another node or made again, one per slot and move (tags {@code reason},
	 * {@code node}: the new holder).
	 */
	public static final String MOVES = "shard.pubsub.subscription.moves";

	/** Failed attempts to subscribe a slot (tag {@code node}: the node tried, {@code none} when none served it). */
	public static final String FAILURES = "shard.pubsub.subscription.failures";

	/** How long channels were without a subscription during a move (tag {@code reason}), with a histogram. */
	public static final String RESUBSCRIBE_GAP = "shard.pubsub.resubscribe.gap";

	/** Duration of the reconciler's passes. */
	public static final String RECONCILE_PASS = "shard.pubsub.reconcile.pass";

	/** Messages from a node not holding their channel's subscription, not delivered to avoid duplicates. */
	public static final String MESSAGES_IGNORED = "shard.pubsub.messages.ignored";

	/**
	 * Messages dropped as the second copy of one already delivered, after a move inside a shard (a failover).
	 */
	public static final String MESSAGES_DEDUPLICATED = "shard.pubsub.messages.deduplicated";

	/** {@code SSUBSCRIBE} commands sent. */
	public static final String SUBSCRIBE_COMMANDS = "shard.pubsub.subscribe.commands";

	static final Duration SNAPSHOT_TTL = Duration.ofSeconds(1);

	private final ShardSubscriptions subscriptions;

	private final @Nullable NodeSubscriptionClient nodes;

	private final @Nullable ShardSubscriptionReconciler reconciler;

	private volatile @Nullable MeterRegistry meterRegistry;

	private volatile @Nullable Snapshot snapshot;

	/**
	 * Create the metrics.
	 * @param subscriptions the subscriptions, for the state gauges
	 * @param nodes the node connections, or {@code null} to leave out their gauge
	 * @param reconciler the reconciler, or {@code null} (a custom {@link ShardSubscriptions}) to leave out its
	 * meters
	 */
	public ShardSubscriptionMetrics(ShardSubscriptions subscriptions, @Nullable NodeSubscriptionClient nodes,
			@Nullable ShardSubscriptionReconciler reconciler) {
		this.subscriptions = subscriptions;
		this.nodes = nodes;
		this.reconciler = reconciler;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (State state : State.values()) {
			Gauge.builder(SUBSCRIPTIONS, this, (metrics) -> metrics.snapshot().count(state))
				.description("Shard channels by subscription state")
				.tag("state", state.name().toLowerCase())
				.register(registry);
		}
		Gauge.builder(UNCOVERED_SLOTS, this, (metrics) -> metrics.snapshot().uncoveredSlots())
			.description("Hash slots with channels that no reachable node serves")
			.register(registry);
		NodeSubscriptionClient nodes = this.nodes;
		if (nodes != null) {
			Gauge.builder(NODE_CONNECTIONS, nodes, (client) -> client.connectedNodes().size())
				.description("Open pub/sub connections to cluster nodes")
				.register(registry);
		}
		ShardSubscriptionReconciler reconciler = this.reconciler;
		if (reconciler != null) {
			FunctionCounter.builder(MESSAGES_IGNORED, reconciler, ShardSubscriptionReconciler::getIgnoredMessageCount)
				.description("Messages from a node not holding their channel's subscription, ignored as duplicates")
				.register(registry);
			FunctionCounter.builder(MESSAGES_DEDUPLICATED, reconciler, ShardSubscriptionReconciler::getDroppedCopyCount)
				.description("Messages dropped as a second copy delivered by another node of their shard after a move")
				.register(registry);
			FunctionCounter
				.builder(SUBSCRIBE_COMMANDS, reconciler, ShardSubscriptionReconciler::getSubscribeCommandCount)
				.description("SSUBSCRIBE commands sent")
				.register(registry);
			Timer pass = Timer.builder(RECONCILE_PASS).description("Duration of reconcile passes").register(registry);
			reconciler.setPassListener(pass::record);
		}
		this.meterRegistry = registry;
	}

	@Override
	public void onApplicationEvent(ShardPubSubEvent event) {
		MeterRegistry registry = this.meterRegistry;
		if (registry == null) {
			return;
		}
		if (event instanceof SubscriptionMovedEvent moved) {
			String reason = moved.getReason().name().toLowerCase();
			Counter.builder(MOVES)
				.description("Slot subscriptions moved to another node or made again, by reason")
				.tag("reason", reason)
				.tag("node", String.valueOf(moved.getTo()))
				.register(registry)
				.increment();
			Timer.builder(RESUBSCRIBE_GAP)
				.description("Time shard channels were without a subscription during a move")
				.tag("reason", reason)
				.publishPercentileHistogram()
				.register(registry)
				.record(moved.getGap());
		}
		else if (event instanceof SubscriptionFailedEvent failed) {
			Counter.builder(FAILURES)
				.description("Failed attempts to subscribe the channels of a slot")
				.tag("node", (failed.getNode() != null) ? failed.getNode().toString() : "none")
				.register(registry)
				.increment();
		}
	}

	private Snapshot snapshot() {
		Snapshot current = this.snapshot;
		long now = System.nanoTime();
		if (current == null || now - current.takenNanos() > SNAPSHOT_TTL.toNanos()) {
			current = Snapshot.of(this.subscriptions.channels(), now);
			this.snapshot = current;
		}
		return current;
	}

	private record Snapshot(Map<State, Integer> counts, int uncoveredSlots, long takenNanos) {

		static Snapshot of(List<ChannelSubscription> channels, long takenNanos) {
			Map<State, Integer> counts = new EnumMap<>(State.class);
			Set<Integer> uncovered = new HashSet<>();
			for (ChannelSubscription channel : channels) {
				counts.merge(channel.state(), 1, Integer::sum);
				if (channel.state() == State.UNCOVERED) {
					uncovered.add(channel.slot());
				}
			}
			return new Snapshot(counts, uncovered.size(), takenNanos);
		}

		int count(State state) {
			return this.counts.getOrDefault(state, 0);
		}

	}

}
