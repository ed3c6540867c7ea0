package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.util.backoff.BackOff;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.node.LettuceSupport;
import dev.shardpubsub.node.MovedException;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.node.NodeUnavailableException;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Where the channels of one slot go: the per-slot state machine of the {@link ShardSubscriptionReconciler}.
 * <p>
 * Picks the node (a redirect learned from {@code MOVED}, else the owner in the topology, else its replicas when
 * the owner is unreachable, else any master to ask), sends one {@code SSUBSCRIBE} for the slot, and acts on the
 * answer: settle, follow the redirect, try the next candidate, or retry later on a back-off. Runs only on the
 * reconciler's thread.
 */
final class SlotRouter {

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private static final int MAX_REDIRECTS = 5;

	private final ShardSubscriptionReconciler owner;

	private final SubscriptionIndex index;

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private final ApplicationEventPublisher publisher;

	private final BackOff retryBackOff;

	private final StandbySubscriptions standby;

	private final NodeConnections connections;

	SlotRouter(ShardSubscriptionReconciler owner, SubscriptionIndex index, NodeSubscriptionClient nodes,
			TopologyWatcher topology, ApplicationEventPublisher publisher, BackOff retryBackOff,
			StandbySubscriptions standby) {
		this.owner = owner;
		this.index = index;
		this.nodes = nodes;
		this.topology = topology;
		this.publisher = publisher;
		this.retryBackOff = retryBackOff;
		this.standby = standby;
		this.connections = new NodeConnections(owner, index, nodes, topology);
	}

	void setKeepConnections(boolean keepConnections) {
		this.connections.setKeepConnections(keepConnections);
	}

	void reconcile(SlotSubscription slot) {
		if (!this.owner.isRunning()) {
			return;
		}
		if (slot.inFlight) {
			slot.dirty = true;
			return;
		}
		slot.dirty = false;
		if (slot.holder != null && !slot.holderLost()) {
			List<String> unwanted = slot.held.stream().filter((channel) -> !slot.channels.contains(channel)).toList();
			if (!unwanted.isEmpty()) {
				slot.held.removeAll(unwanted);
				this.connections.unsubscribe(slot.holder, unwanted);
			}
		}
		if (slot.channels.isEmpty()) {
			NodeAddress holder = slot.holder;
			NodeAddress standbyNode = slot.standby;
			this.standby.drop(slot);
			slot.cancelRetry();
			this.index.removeSlot(slot);
			this.connections.releaseIfIdle(holder);
			this.connections.releaseIfIdle(standbyNode);
			return;
		}
		if (!slot.moving() && slot.holder != null) {
			List<String> missing = slot.channels.stream().filter((channel) -> !slot.held.contains(channel)).toList();
			if (!missing.isEmpty()) {
				send(slot, slot.holder, missing, 0);
			}
			this.standby.ensure(slot);
			return;
		}
		NodeAddress target = nextCandidate(slot);
		if (target == null) {
			failed(slot, null, "no reachable node serves slot " + slot.slot);
			return;
		}
		send(slot, target, slot.channelList(), 0);
	}

	/**
	 * The node that dropped the slot took it back. After a reshard it would have answered MOVED; after a failover
	 * it is a replica now, which accepts the subscription but may deliver nothing until its new master lists it.
	 * Ask it which master it follows ({@code ROLE}) and move there, make before break. Its own deliveries are not
	 * accepted meanwhile: what is published on it also reaches its master, so taking both could duplicate it.
	 */
	private void askMaster(SlotSubscription slot, NodeAddress node) {
		slot.askingMaster(node);
		long generation = this.owner.generation();
		CompletableFuture<NodeAddress> asked = node.equals(slot.earlyRoleOf) ? slot.earlyRole : null;
		slot.earlyRole = null;
		slot.earlyRoleOf = null;
		((asked != null) ? asked : this.nodes.masterOf(node)).whenComplete((master, error) -> this.owner.execute(() -> {
			if (generation != this.owner.generation()) {
				return;
			}
			slot.inFlight = false;
			if (this.index.slot(slot.slot) != slot) {
				return;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + ": " + node + " dropped it, took it back and follows "
						+ ((error != null) ? "an unknown master (" + error.getMessage() + ")" : master));
			}
			if (error == null && master != null && !master.equals(node) && slot.holderLost()) {
				// Held on the replica now; the move goes on to its master.
				slot.heldOnReplicaOf(master);
				reconcile(slot);
			}
			else {
				subscribed(slot, node, List.of());
			}
			if (slot.dirty && !slot.inFlight) {
				reconcile(slot);
			}
		}));
	}

	private NodeAddress nextCandidate(SlotSubscription slot) {
		return Candidates.next(slot, this.topology.current());
	}

	private void send(SlotSubscription slot, NodeAddress target, List<String> channels, int redirects) {
		slot.inFlight = true;
		if ((slot.holder == null || slot.holderLost()) && slot.bridge() == null) {
			// Nothing else delivers these channels any more: take the target's messages from the first one.
			slot.acceptFrom = target;
		}
		this.owner.countSubscribeCommand();
		CompletableFuture<Void> result;
		try {
			result = this.nodes.subscribe(target, channels);
			SlotPhase.Moving move = slot.move();
			if (move != null && move.holderLost() && move.reason() == MoveReason.SERVER_PUSH && !move.roleAsked()
					&& target.equals(slot.holder)) {
				// If the node that dropped the slot takes it back (a demoted master), its master is asked next: the
				// ROLE goes out as soon as the SSUBSCRIBE is answered, not after a turn of this thread.
				slot.earlyRole = this.nodes.masterOf(target);
				slot.earlyRoleOf = target;
			}
		}
		catch (RuntimeException ex) {
			result = CompletableFuture.failedFuture(ex);
		}
		long generation = this.owner.generation();
		result.whenComplete((ignored, error) -> {
			if (error == null && (slot.bridge() == null || !target.equals(slot.holder))) {
				// On the I/O thread, before the node's next message: a make-before-break switch loses nothing.
				// (While a standby bridges the move, the node that dropped the slot takes nothing over yet.)
				slot.acceptFrom = target;
			}
			this.owner.execute(() -> {
				if (generation == this.owner.generation()) {
					subscribeDone(slot, target, channels, redirects, error);
				}
			});
		});
	}

	private void subscribeDone(SlotSubscription slot, NodeAddress target, List<String> channels, int redirects,
			Throwable error) {
		slot.inFlight = false;
		if (!this.owner.isRunning()) {
			return;
		}
		if (this.index.slot(slot.slot) != slot) {
			if (error == null) {
				this.connections.unsubscribe(target, channels);
				this.connections.releaseIfIdle(target);
			}
			return;
		}
		if (error == null) {
			subscribed(slot, target, channels);
		}
		else {
			subscribeFailed(slot, target, channels, redirects, LettuceSupport.unwrap(error));
			// A node that only answered MOVED (or failed) may hold nothing: its connection is not kept for that.
			this.connections.releaseIfIdle(target);
		}
		if (slot.dirty && !slot.inFlight) {
			reconcile(slot);
		}
	}

	private void subscribed(SlotSubscription slot, NodeAddress target, List<String> channels) {
		NodeAddress previous = slot.holder;
		SlotPhase.Moving move = slot.move();
		if (move != null && move.holderLost() && move.reason() == MoveReason.SERVER_PUSH && target.equals(previous)
				&& !move.roleAsked()) {
			slot.held.addAll(channels);
			slot.acceptFrom = slot.bridge();
			askMaster(slot, target);
			return;
		}
		// Not a move: a redirect back to the holder that still has them, or a slot no listener wants any more.
		boolean moved = move != null && (move.holderLost() || !target.equals(previous)) && !slot.channels.isEmpty();
		if (!target.equals(previous)) {
			if (previous != null && !slot.holderLost() && !slot.held.isEmpty()) {
				this.connections.unsubscribe(previous, List.copyOf(slot.held));
			}
			slot.held.clear();
			this.index.holder(slot, target);
		}
		if (target.equals(slot.standby)) {
			// The move ended on the standby: its subscriptions are the holder's now.
			this.standby.promoted(slot);
		}
		if (target.equals(slot.ahead)) {
			slot.ahead = null;
			slot.aheadHeld.clear();
		}
		slot.held.addAll(channels);
		slot.acceptFrom = target;
		if (moved) {
			slot.returnTo = null;
			publishMoved(slot, previous, target);
		}
		else if (slot.backOff != null) {
			logger.info("Subscribed slot " + slot.slot + " on " + target + " after earlier failures");
		}
		slot.settled();
		if (slot.ownerChangedInFlight) {
			slot.ownerChangedInFlight = false;
			SlotOwnership ownership = this.topology.current();
			NodeAddress owner = ownership.owner(slot.slot);
			if (owner != null && !ownership.sameShard(owner, target)) {
				slot.ownerChanged(System.nanoTime());
				slot.dirty = true;
			}
		}
		if (previous != null && !previous.equals(target)) {
			this.connections.releaseIfIdle(previous);
		}
		this.standby.ensure(slot);
	}

	/**
	 * The holder's connection was lost, or the standby took the slot over (a failover on Redis 7.2+), and the standby
	 * holds every channel: it becomes the holder at once, without waiting for a command (it delivers the shard's
	 * messages already, and keeps them when it is promoted).
	 * @param slot the slot, marked lost
	 * @param connectionLost whether the holder's connection was lost (its subscription may come back there)
	 */
	void promoteStandby(SlotSubscription slot, boolean connectionLost) {
		promote(slot, slot.standby, List.copyOf(slot.standbyHeld), connectionLost, false,
				() -> this.standby.promoted(slot));
	}

	/**
	 * The holder dropped a slot that was migrating, and the subscription ahead on the importing master holds every
	 * channel: it becomes the holder at once.
	 * @param slot the slot, marked lost
	 */
	void promoteAhead(SlotSubscription slot) {
		promote(slot, slot.ahead, List.copyOf(slot.aheadHeld), false, true, () -> {
			slot.ahead = null;
			slot.aheadHeld.clear();
		});
	}

	/**
	 * @param release forgets the node as standby or ahead, once its messages are accepted as the holder's (before,
	 * they would be neither accepted nor kept)
	 */
	private void promote(SlotSubscription slot, NodeAddress target, List<String> held, boolean connectionLost,
			boolean imported, Runnable release) {
		NodeAddress previous = slot.holder;
		if (connectionLost) {
			slot.movedBecause(MoveReason.STANDBY);
		}
		slot.held.clear();
		slot.held.addAll(held);
		this.owner.handOver(slot, target);
		release.run();
		this.index.holder(slot, target);
		publishMoved(slot, previous, target);
		slot.settled(imported);
		// Back to the master once its connection is back; after a failover the old holder is no master any more.
		slot.returnTo = connectionLost ? previous : null;
		this.connections.releaseIfIdle(previous);
		if (connectionLost || imported) {
			// One SSUBSCRIBE confirms it holds every channel (a no-op if it does): a standby may lose one unnoticed,
			// a Redis 7.2+ importing master drops them at its own SETSLOT NODE (its push may follow the old owner's).
			send(slot, target, slot.channelList(), 0);
		}
		else {
			this.standby.ensure(slot);
		}
	}

	private void publishMoved(SlotSubscription slot, @Nullable NodeAddress previous, NodeAddress target) {
		SubscriptionMovedEvent event = slot.moved(this.owner, previous, target);
		if (logger.isDebugEnabled()) {
			logger.debug("Moved " + event);
		}
		this.publisher.publishEvent(event);
	}

	private void subscribeFailed(SlotSubscription slot, NodeAddress target, List<String> channels, int redirects,
			Throwable error) {
		boolean fromHolder = target.equals(slot.holder) && !slot.holderLost();
		if (error instanceof MovedException moved) {
			this.topology.requestRefreshSoon();
			if (fromHolder) {
				slot.lost(MoveReason.SERVER_PUSH, System.nanoTime());
			}
			if (redirects >= MAX_REDIRECTS || moved.getTarget().equals(target)) {
				failed(slot, target, "redirect loop: " + moved.getMessage());
				return;
			}
			slot.hint = moved.getTarget();
			send(slot, moved.getTarget(), slot.moving() ? slot.channelList() : channels, redirects + 1);
			return;
		}
		if (error instanceof NodeUnavailableException) {
			this.topology.requestRefreshSoon();
			slot.failedNodes.add(target);
			if (fromHolder) {
				slot.lost(MoveReason.RECONNECT, System.nanoTime());
			}
			NodeAddress next = nextCandidate(slot);
			if (next != null) {
				if (logger.isDebugEnabled()) {
					logger.debug("Slot " + slot.slot + ": " + error.getMessage() + "; trying " + next);
				}
				send(slot, next, slot.moving() || slot.holder == null ? slot.channelList() : channels, redirects);
				return;
			}
		}
		failed(slot, target, String.valueOf(error.getMessage()));
	}

	private void failed(SlotSubscription slot, @Nullable NodeAddress node, String reason) {
		this.topology.requestRefreshSoon();
		Duration retryIn = slot.retryLater(this.retryBackOff);
		if (retryIn != null) {
			slot.retry = this.owner.schedule(() -> retry(slot), retryIn.toMillis());
		}
		int pending = this.index.pendingSlots();
		SubscriptionFailedEvent event = new SubscriptionFailedEvent(this.owner, slot.slot, slot.channelList(), node, reason,
				retryIn, pending, System.nanoTime());
		if (slot.firstFailure()) {
			logger.warn("Could not subscribe " + slot.channels.size() + " channel(s) of slot " + slot.slot
					+ ((node != null) ? " on " + node : "") + ": " + reason + "; "
					+ ((retryIn != null) ? "retrying in " + retryIn.toMillis() + " ms" : "not retrying") + " ("
					+ pending + " slot(s) pending)");
		}
		else if (logger.isDebugEnabled()) {
			logger.debug(event.toString());
		}
		this.publisher.publishEvent(event);
	}

	private void retry(SlotSubscription slot) {
		slot.retry = null;
		if (slot.moving()) {
			slot.movedBecause(MoveReason.UNCOVERED_RETRY);
		}
		reconcile(slot);
	}

	void connectToServingNodes() {
		this.connections.connectToServingNodes();
	}

}
