package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import io.lettuce.core.RedisClient;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;
import dev.shardpubsub.test.ClusterOperations;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

/**
 * What the phases share: the cluster, the listener's subscription state, the settings, and the list of
 * disruptions with their time windows.
 */
final class BenchmarkRun {

	private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(10);

	final EmbeddedRedisCluster cluster;

	final ClusterOperations operations;

	final BenchmarkSettings settings;

	final int slot;

	private final ShardSubscriptions subscriptions;

	private final LongSupplier ignoredMessages;

	private final RedisClient plainClient;

	private final List<Disruption> disruptions = new ArrayList<>();

	private Disruption open;

	BenchmarkRun(EmbeddedRedisCluster cluster, ShardSubscriptions subscriptions, BenchmarkSettings settings,
			RedisClient plainClient) {
		this.cluster = cluster;
		this.operations = cluster.operations();
		this.subscriptions = subscriptions;
		this.ignoredMessages = (subscriptions instanceof ShardSubscriptionReconciler reconciler)
				? reconciler::getIgnoredMessageCount : () -> 0;
		this.settings = settings;
		this.plainClient = plainClient;
		this.slot = cluster.slotOf(settings.channel());
	}

	RedisNode owner() {
		return this.cluster.ownerOf(this.slot);
	}

	/** The master after this one in start order, cycling. */
	RedisNode nextMaster(RedisNode owner) {
		List<RedisNode> masters = this.cluster.masters();
		return masters.get((masters.indexOf(owner) + 1) % masters.size());
	}

	RedisNode replicaOf(RedisNode master) {
		return this.operations.replicasOf(master).stream()
			.findFirst()
			.orElseThrow(() -> new IllegalStateException(master + " has no running replica"));
	}

	/** The node holding the listener's subscription, with its state, e.g. {@code 127.0.0.1:7000 SUBSCRIBED}. */
	String holder() {
		return this.subscriptions.channels().stream()
			.filter((state) -> state.channel().equals(this.settings.channel()))
			.map((state) -> state.node() + " " + state.state())
			.findFirst()
			.orElse("none");
	}

	/**
	 * Wait until the listener's subscription is confirmed on a node; the time it took is charged to the open
	 * disruption.
	 * @param node the node
	 * @return whether it got there within 10 s
	 */
	boolean awaitHeldBy(RedisNode node) {
		long start = System.nanoTime();
		long deadline = start + SETTLE_TIMEOUT.toNanos();
		boolean held;
		while (!(held = isHeldBy(node)) && System.nanoTime() < deadline) {
			sleep(2);
		}
		if (this.open != null) {
			this.open.settleMillis = (System.nanoTime() - start) / 1_000_000;
		}
		if (!held) {
			System.out.println("  ! subscription not on " + node.address() + " after " + SETTLE_TIMEOUT.toSeconds()
					+ " s: " + holder());
		}
		return held;
	}

	private boolean isHeldBy(RedisNode node) {
		for (ChannelSubscription state : this.subscriptions.channels()) {
			if (state.channel().equals(this.settings.channel())) {
				return state.state() == ChannelSubscription.State.SUBSCRIBED && node.address().equals(state.node());
			}
		}
		return false;
	}

	/**
	 * Open the window of a new disruption, closing the previous one.
	 * @param kind the phase
	 * @param index the run within the phase
	 * @param from the node losing the slot
	 * @param to the node expected to serve it afterwards
	 * @param operationNanos when the operation was (or is about to be) invoked
	 * @return the disruption
	 */
	Disruption begin(String kind, int index, RedisNode from, RedisNode to, long operationNanos) {
		long now = System.nanoTime();
		long ignored = this.ignoredMessages.getAsLong();
		if (this.open != null) {
			this.open.endNanos = now;
			this.open.eventsUntilNanos = operationNanos;
			this.open.ignoredAtEnd = ignored;
		}
		Disruption disruption = new Disruption(kind, index, from.address(), (to != null) ? to.address() : "-",
				operationNanos, now);
		disruption.ignoredAtStart = ignored;
		this.disruptions.add(disruption);
		this.open = disruption;
		return disruption;
	}

	/** Close the window of the last disruption. */
	void endPhase() {
		if (this.open != null) {
			this.open.endNanos = System.nanoTime();
			this.open.eventsUntilNanos = this.open.endNanos;
			this.open.ignoredAtEnd = this.ignoredMessages.getAsLong();
			this.open = null;
		}
	}

	List<Disruption> disruptions() {
		return List.copyOf(this.disruptions);
	}

	PromotionProbe probe(RedisNode replica) {
		return PromotionProbe.start(this.plainClient, replica, this.settings.probeIntervalMicros() * 1000L);
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
