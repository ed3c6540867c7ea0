package dev.shardpubsub.reconcile;

import java.util.HashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.event.SlotMigrationsChangedEvent;
import dev.shardpubsub.event.SlotOwnershipChangedEvent;
import dev.shardpubsub.event.SubscriptionDroppedEvent;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotOwnerChange;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * What each event of the {@link TopologyWatcher} does to the slots it touches: which transition of
 * {@link SlotSubscription} it makes, and whether the {@link SlotRouter} subscribes somewhere now or the standby takes
 * over. Runs only on the reconciler's thread.
 */
final class SlotEvents {

	private static final int MISPLACED_CHECKS = 3;

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final SubscriptionIndex index;

	private final SlotRouter router;

	private final StandbySubscriptions standby;

	private final MessageGate gate;

	private final TopologyWatcher topology;

	private final AheadSubscriptions ahead;

	/** Slots held outside their owner's shard at the last check, and at how many checks in a row. */
	private Map<Integer, Integer> misplaced = Map.of();

	private final SubscriptionAudit audit;

	SlotEvents(SubscriptionIndex index, SlotRouter router, StandbySubscriptions standby, MessageGate gate,
			TopologyWatcher topology, AheadSubscriptions ahead, NodeSubscriptionClient nodes) {
		this.audit = new SubscriptionAudit(index, nodes);
		this.ahead = ahead;
		this.index = index;
		this.router = router;
		this.standby = standby;
		this.gate = gate;
		this.topology = topology;
	}

	/**
	 * The work an event asks for, to run on the reconciler's thread.
	 * @param event the event
	 * @return the task, or {@code null} when the event asks for none
	 */
	@Nullable Runnable taskFor(ShardPubSubEvent event) {
		if (event instanceof SubscriptionDroppedEvent dropped) {
			return () -> dropped(dropped);
		}
		if (event instanceof NodeConnectionLostEvent lost) {
			return () -> connectionLost(lost);
		}
		if (event instanceof SlotOwnershipChangedEvent changed) {
			return () -> ownershipChanged(changed);
		}
		if (event instanceof SlotMigrationsChangedEvent migrations) {
			return () -> this.ahead.migrationsChanged(migrations);
		}
		return null;
	}

	/**
	 * A node dropped channels on its own (its {@code sunsubscribe} push).
	 * @param event the event
	 */
	void dropped(SubscriptionDroppedEvent event) {
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
				if (slot.ahead != null) {
					// A migration seen coming (no failover: the standby did not take the slot): the subscription ahead
					// on the importing master takes over.
					slot.lost(MoveReason.SERVER_PUSH, event.getDetectedNanos());
					if (this.ahead.holderDropped(slot)) {
						continue;
					}
					this.router.reconcile(slot);
					continue;
				}
				SlotOwnership view = this.topology.current();
				NodeAddress owner = view.owner(slot.slot);
				// A standby outside the new owner's shard (the view already shows a reshard) drops the slot too.
				boolean bridge = slot.standbyReady()
						&& (owner == null || owner.equals(slot.holder) || view.sameShard(owner, slot.standby));
				boolean imported = slot.phase() instanceof SlotPhase.Settled settled && settled.imported();
				slot.lost(MoveReason.SERVER_PUSH, event.getDetectedNanos());
				if (imported || !view.isMaster(event.getNode())) {
					// A replica in our view: on Redis 7.2+ a replica drops its subscribers when it is promoted (a
					// crashed master's replica holding the slot since); or the master that imported the slot, whose
					// drop at its own SETSLOT NODE came after the old owner's. It is asked first, and no ROLE is
					// needed: if it accepts, it serves the slot; if its shard lost the slot, it answers MOVED.
					slot.tryFirstWithoutRole(event.getNode());
				}
				if (bridge) {
					// The standby delivers while the move finds the slot's node: after a failover, it is that node.
					slot.bridgedBy(slot.standby);
				}
				// The SSUBSCRIBE goes out first; the standby's replay (copies of what the holder delivered) after it.
				this.router.reconcile(slot);
				if (bridge && slot.holderLost()) {
					this.gate.bridge(slot, slot.standby, event.getNode());
				}
				if (logger.isDebugEnabled()) {
					logger.debug("Slot " + slot.slot + ": " + event.getNode() + " dropped it; " + (bridge
							? "the standby on " + slot.standby + " delivers meanwhile"
							: "no standby ready (" + slot.standby + " holds " + slot.standbyHeld + ")"));
				}
			}
			else if (event.getNode().equals(slot.standby)) {
				this.standby.dropped(slot, channel);
			}
			else if (event.getNode().equals(slot.ahead)) {
				this.ahead.dropped(slot, channel);
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
		else if (!moving) {
			// If the holder never drops the slot (frozen, cut off), the view that names the new owner moves it.
			this.topology.requestRefreshSoon();
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

	/**
	 * The backstop, every second: a settled slot held outside the shard that owns it in the current view, at three
	 * checks in a row (a view that lags a move just made is refreshed by then), moves there, make before break, as if
	 * the change had just been seen: a change no push or event reported, or one a move under way overtook. Then the
	 * {@link SubscriptionAudit}.
	 */
	void verifyHolders() {
		SlotOwnership view = this.topology.current();
		Map<Integer, Integer> misplaced = new HashMap<>();
		for (SlotSubscription slot : this.index.slots()) {
			NodeAddress owner = view.owner(slot.slot);
			if (owner == null || slot.holder == null || slot.moving() || slot.inFlight
					|| view.shardOf(slot.holder) == null || view.sameShard(owner, slot.holder)) {
				continue;
			}
			int checks = this.misplaced.getOrDefault(slot.slot, 0) + 1;
			if (checks < MISPLACED_CHECKS) {
				misplaced.put(slot.slot, checks);
				continue;
			}
			logger.info("Slot " + slot.slot + " is held on " + slot.holder + ", outside the shard of its owner " + owner
					+ ": moving it there");
			slot.ownerChanged(System.nanoTime());
			this.router.reconcile(slot);
		}
		this.misplaced = misplaced;
		this.audit.check();
	}

	/**
	 * The connection to a node was lost: its subscriptions and standbys are gone.
	 * @param event the event
	 */
	void connectionLost(NodeConnectionLostEvent event) {
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
		this.ahead.connectionLost(event.getNode());
	}

	/**
	 * Slots have new owners in the topology.
	 * @param event the event
	 */
	void ownershipChanged(SlotOwnershipChangedEvent event) {
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
			else if (change.to().equals(slot.standby) && slot.standbyReady()
					&& this.topology.current().isFailing(slot.holder)) {
				// The cluster failed the holder over (frozen, or cut off from the cluster while our connection
				// lives): the standby, on the promoted replica, hears the slot's messages; the holder does not.
				slot.lost(MoveReason.TOPOLOGY_CHANGE, event.getDetectedNanos());
				this.router.promoteStandby(slot, true);
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

}
