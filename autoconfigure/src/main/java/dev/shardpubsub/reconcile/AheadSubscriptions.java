package dev.shardpubsub.reconcile;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.SlotMigrationsChangedEvent;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotMigration;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Make-before-break for migrations that can be seen coming: while a slot of ours is {@code IMPORTING} on a master of
 * another shard, its channels are subscribed there ahead ({@code ASKING} + {@code SSUBSCRIBE}), so that the
 * subscription is in place when the slot is handed over.
 * <p>
 * Each message is published on the slot's owner only, so the two subscriptions never deliver one message twice, and
 * both are delivered from. On Redis 7.0 the importing node keeps the early subscription through the hand-over; on
 * 7.2 and later and on Valkey it drops it at its own {@code SETSLOT … NODE}, which {@code redis-cli} sends before
 * the source's: the subscription is made there again at once, while the source still serves the slot. When the
 * holder then drops the slot, the subscription ahead becomes the holder at once, and one {@code SSUBSCRIBE} confirms
 * it there (the importing master's push may reach us after the source's). A migration that ends without a hand-over
 * (given up) drops the subscription ahead.
 * <p>
 * Runs only on the reconciler's thread.
 */
final class AheadSubscriptions {

	/** How long after a migration ended without a hand-over the subscription ahead is checked against the view. */
	private static final long ENDED_CHECK_MILLIS = 1000;

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final ShardSubscriptionReconciler owner;

	private final SubscriptionIndex index;

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private final SlotRouter router;

	AheadSubscriptions(ShardSubscriptionReconciler owner, SubscriptionIndex index, NodeSubscriptionClient nodes,
			TopologyWatcher topology, SlotRouter router) {
		this.owner = owner;
		this.index = index;
		this.nodes = nodes;
		this.topology = topology;
		this.router = router;
	}

	/**
	 * Migrations started or ended.
	 * @param event the event
	 */
	void migrationsChanged(SlotMigrationsChangedEvent event) {
		for (SlotMigration migration : event.getEnded()) {
			SlotSubscription slot = this.index.slot(migration.slot());
			if (slot != null && slot.ahead != null && slot.ahead.equals(migration.target())) {
				// Handed over (the holder's push promotes it) or given up: the view tells, once refreshed.
				this.topology.requestRefresh();
				this.owner.schedule(() -> checkEnded(slot), ENDED_CHECK_MILLIS);
			}
		}
		for (SlotMigration migration : event.getStarted()) {
			SlotSubscription slot = this.index.slot(migration.slot());
			NodeAddress target = migration.target();
			if (slot == null || target == null || slot.holder == null || slot.moving() || target.equals(slot.ahead)) {
				continue;
			}
			SlotOwnership view = this.topology.current();
			if (view.sameShard(target, slot.holder)) {
				continue;
			}
			drop(slot);
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + " is migrating to " + target + ": subscribing there ahead");
			}
			subscribe(slot, target, true);
		}
	}

	private void subscribe(SlotSubscription slot, NodeAddress node, boolean asking) {
		List<String> channels = slot.channelList();
		slot.ahead = node;
		slot.aheadInFlight = true;
		long generation = this.owner.generation();
		CompletableFuture<Void> result;
		try {
			result = asking ? this.nodes.subscribeImporting(node, channels) : this.nodes.subscribe(node, channels);
		}
		catch (RuntimeException ex) {
			result = CompletableFuture.failedFuture(ex);
		}
		result.whenComplete((ignored, error) -> this.owner.execute(() -> {
			if (generation != this.owner.generation()) {
				return;
			}
			slot.aheadInFlight = false;
			boolean current = this.index.slot(slot.slot) == slot && node.equals(slot.ahead);
			if (error == null && current) {
				slot.aheadHeld.addAll(channels);
			}
			else if (error == null) {
				if (!node.equals(slot.holder)) {
					this.nodes.unsubscribe(node, channels);
				}
				return;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + ": subscription ahead on " + node
						+ ((error != null) ? " failed: " + error.getMessage() : " ready"));
			}
			if (error != null && current) {
				slot.ahead = null;
				slot.aheadHeld.clear();
			}
			if (current && slot.holderLost() && !slot.inFlight) {
				// The holder dropped the slot while this was under way: the move ends here, or goes on as usual.
				if (ready(slot)) {
					this.router.promoteAhead(slot);
				}
				else {
					this.router.reconcile(slot);
				}
			}
		}));
	}

	/**
	 * Whether the subscription ahead holds every wanted channel.
	 * @param slot the slot
	 * @return whether it can take over
	 */
	static boolean ready(SlotSubscription slot) {
		return slot.ahead != null && !slot.aheadInFlight && !slot.channels.isEmpty()
				&& slot.aheadHeld.containsAll(slot.channels);
	}

	/**
	 * The holder dropped the slot (its push): the subscription ahead takes over, now or when its command answers.
	 * @param slot the slot, marked lost
	 * @return whether it does (otherwise the move finds the slot's node as usual)
	 */
	boolean holderDropped(SlotSubscription slot) {
		if (ready(slot)) {
			this.router.promoteAhead(slot);
			return true;
		}
		return slot.ahead != null && slot.aheadInFlight;
	}

	/**
	 * The importing node dropped the early subscription: on Redis 7.2+ and Valkey it took the slot over (its own
	 * {@code SETSLOT … NODE}); the channels are subscribed there again at once, without {@code ASKING}.
	 * @param slot the slot
	 * @param channel the channel it dropped
	 */
	void dropped(SlotSubscription slot, String channel) {
		slot.aheadHeld.remove(channel);
		if (!slot.aheadInFlight) {
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + ": " + slot.ahead + " dropped the subscription ahead; taking it again");
			}
			subscribe(slot, slot.ahead, false);
		}
	}

	/**
	 * The connection to a node was lost: the subscriptions ahead there are gone with it. Each is made again at once
	 * (the migration is likely still under way); if it has ended, the node answers as the slot's owner or redirects,
	 * and the subscription ahead is dropped then.
	 * @param node the node
	 */
	void connectionLost(NodeAddress node) {
		for (SlotSubscription slot : this.index.slots()) {
			if (node.equals(slot.ahead) && !slot.aheadInFlight) {
				slot.aheadHeld.clear();
				if (logger.isDebugEnabled()) {
					logger.debug("Slot " + slot.slot + ": lost the connection to " + node + " ahead; subscribing again");
				}
				subscribe(slot, node, true);
			}
		}
	}

	private void checkEnded(SlotSubscription slot) {
		NodeAddress ahead = slot.ahead;
		if (ahead == null || this.index.slot(slot.slot) != slot || slot.moving()) {
			return;
		}
		SlotOwnership view = this.topology.current();
		NodeAddress owner = view.owner(slot.slot);
		if (owner == null || !view.sameShard(owner, ahead)) {
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + ": the migration to " + ahead + " ended without a hand-over");
			}
			drop(slot);
		}
		else if (slot.holder != null && !view.sameShard(owner, slot.holder) && ready(slot)) {
			// Handed over, and the holder never said so (no push seen): the subscription ahead takes over.
			slot.lost(MoveReason.TOPOLOGY_CHANGE, System.nanoTime());
			this.router.promoteAhead(slot);
		}
	}

	/**
	 * Forget the slot's subscription ahead, unsubscribing what it held.
	 * @param slot the slot
	 */
	void drop(SlotSubscription slot) {
		NodeAddress ahead = slot.ahead;
		if (ahead == null) {
			return;
		}
		List<String> held = List.copyOf(slot.aheadHeld);
		slot.ahead = null;
		slot.aheadHeld.clear();
		slot.aheadInFlight = false;
		if (!held.isEmpty() && !ahead.equals(slot.holder) && !ahead.equals(slot.standby)) {
			this.nodes.unsubscribe(ahead, held);
		}
	}

}
