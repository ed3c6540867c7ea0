package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import org.jspecify.annotations.Nullable;

import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.cluster.NodeAddress;

/**
 * The subscription state of one hash slot: its channels, the node that holds them, and a move under way.
 * <p>
 * Confined to the reconciler's thread, except the volatile fields read by message delivery and the read API.
 */
final class SlotSubscription {

	final int slot;

	/** The channels listeners want. */
	final Set<String> channels = new LinkedHashSet<>();

	/** The channels the holder confirmed (also read by the read API). */
	final Set<String> held = ConcurrentHashMap.newKeySet();

	/** The node holding the subscription, or null. */
	volatile @Nullable NodeAddress holder;

	/** The only node whose messages are delivered: one subscription per channel, never a duplicate. */
	volatile @Nullable NodeAddress acceptFrom;

	/** Another node of the holder's shard with a passive copy of the subscription, or null. */
	volatile @Nullable NodeAddress standby;

	/**
	 * The standby node, accepted besides the holder: it dropped the slot and took our subscription again at once,
	 * which a replica promoted by a failover does on Redis 7.2+ and Valkey (it serves the slot now, while the old
	 * holder may still deliver what was published on it before it learns of its demotion). Null otherwise.
	 */
	volatile @Nullable NodeAddress alsoAccept;

	/** The topology view when {@link #alsoAccept} was set. */
	@Nullable Object alsoAcceptView;

	/** The master whose lost connection made its standby the holder: the subscription returns there. */
	@Nullable NodeAddress returnTo;

	/** The return to {@link #returnTo} is scheduled. */
	boolean swapScheduled;

	/**
	 * The master importing the slot, subscribed ahead of the hand-over ({@link AheadSubscriptions}); its messages are
	 * delivered too (each message is published in one shard only). Null otherwise.
	 */
	volatile @Nullable NodeAddress ahead;

	/** The channels the node ahead confirmed. */
	final Set<String> aheadHeld = ConcurrentHashMap.newKeySet();

	/** A subscribe on the node ahead is under way. */
	boolean aheadInFlight;

	/** The channels the standby confirmed. */
	final Set<String> standbyHeld = ConcurrentHashMap.newKeySet();

	/** A standby subscribe or unsubscribe is under way. */
	boolean standbyInFlight;

	/** Nodes that refused or failed a standby subscription, not tried again until the topology changes. */
	final Set<NodeAddress> standbyRefused = new HashSet<>();

	/** Where the subscription is in its life: every change goes through the transitions below. */
	private volatile SlotPhase phase = new SlotPhase.Pending();

	/** What the read API shows: the phase's state, or {@link State#UNCOVERED} while no node can be reached. */
	volatile State state = State.PENDING;

	volatile Instant stateSince = Instant.now();

	volatile long moves;

	volatile @Nullable Duration lastGap;

	// One command (SSUBSCRIBE or ROLE) at a time per slot

	/** A command for the slot is under way. */
	boolean inFlight;

	/** Reconcile again when it answers. */
	boolean dirty;

	/** The topology showed a new owner while a subscribe was in flight: check the result against it. */
	boolean ownerChangedInFlight;

	// Finding a node: reset when the slot settles

	/** A node to try first: learned from MOVED or ROLE, or the replica that pushed. */
	@Nullable NodeAddress hint;

	/** A {@code ROLE} sent right behind the {@code SSUBSCRIBE} to the node that dropped the slot, and that node. */
	CompletableFuture<NodeAddress> earlyRole;

	NodeAddress earlyRoleOf;

	/** Nodes that failed during this attempt. */
	final Set<NodeAddress> failedNodes = new HashSet<>();

	@Nullable BackOffExecution backOff;

	@Nullable ScheduledFuture<?> retry;

	/** The failure was logged at WARN already (once per episode). */
	boolean failureLogged;

	private static final AtomicReferenceFieldUpdater<SlotSubscription, NodeAddress> ACCEPT_FROM =
			AtomicReferenceFieldUpdater.newUpdater(SlotSubscription.class, NodeAddress.class, "acceptFrom");

	SlotSubscription(int slot) {
		this.slot = slot;
	}

	/**
	 * Accept another node's messages instead, unless {@link #acceptFrom} changed meanwhile (an I/O thread accepts a
	 * node as soon as it confirms a subscription).
	 * @param expected the node accepted now
	 * @param next the node to accept instead
	 * @return whether it was switched
	 */
	boolean switchAcceptFrom(NodeAddress expected, NodeAddress next) {
		return ACCEPT_FROM.compareAndSet(this, expected, next);
	}

	SlotPhase phase() {
		return this.phase;
	}

	/**
	 * The move under way, or {@code null} when there is none.
	 */
	SlotPhase.@Nullable Moving move() {
		SlotPhase current = this.phase;
		if (current instanceof SlotPhase.Moving moving) {
			return moving;
		}
		return (current instanceof SlotPhase.AskingMaster asking) ? asking.move() : null;
	}

	boolean moving() {
		return move() != null;
	}

	/**
	 * Whether the holder's subscription is gone and a move makes it again.
	 */
	boolean holderLost() {
		SlotPhase.Moving move = move();
		return move != null && move.holderLost();
	}

	/**
	 * The standby delivering while the move finds the slot's node, or {@code null}.
	 */
	@Nullable NodeAddress bridge() {
		SlotPhase.Moving move = move();
		return (move != null) ? move.bridge() : null;
	}

	private void phase(SlotPhase next) {
		this.phase = next;
	}

	private void state(State newState) {
		if (this.state != newState) {
			this.state = newState;
			this.stateSince = Instant.now();
		}
	}

	// Transitions

	/**
	 * The holder lost these subscriptions (a push, a lost connection): they must be made again.
	 */
	void lost(MoveReason why, long nanos) {
		SlotPhase current = this.phase;
		SlotPhase.Moving move = move();
		SlotPhase.Moving next = (move != null) ? move.lost(why, nanos) : new SlotPhase.Moving(why, nanos, true, null,
				false);
		phase((current instanceof SlotPhase.AskingMaster asking) ? new SlotPhase.AskingMaster(next, asking.node())
				: next);
		this.held.clear();
		state(State.MOVING);
	}

	/**
	 * The topology shows another owner while the holder still holds them: move, make before break.
	 */
	void ownerChanged(long nanos) {
		if (move() == null) {
			phase(new SlotPhase.Moving(MoveReason.TOPOLOGY_CHANGE, nanos, this.holder == null, null, false));
		}
	}

	/**
	 * The standby delivers while the move finds the slot's node.
	 */
	void bridgedBy(NodeAddress standby) {
		phase(move().bridgedBy(standby));
	}

	/**
	 * The node to ask first is a replica that pushed: if it accepts, it serves the slot; no {@code ROLE} needed.
	 */
	void tryFirstWithoutRole(NodeAddress replica) {
		phase(move().withoutRole());
		this.hint = replica;
	}

	/**
	 * The node that dropped the slot took it back: ask it for its master.
	 */
	void askingMaster(NodeAddress node) {
		phase(new SlotPhase.AskingMaster(move().withoutRole(), node));
		this.inFlight = true;
	}

	/**
	 * The node asked follows another master: the subscription is held on it (a replica) and moves on there.
	 */
	void heldOnReplicaOf(NodeAddress master) {
		phase(move().heldOnReplica());
		this.hint = master;
	}

	/**
	 * The move is reported with this reason (a standby took over, a retry after the slot was uncovered).
	 */
	void movedBecause(MoveReason why) {
		phase(move().because(why));
	}

	/**
	 * No reachable node serves the slot: shown as uncovered while the holder's subscription is gone.
	 */
	private void uncovered() {
		if (this.holder == null || holderLost()) {
			state(State.UNCOVERED);
		}
	}

	/**
	 * The move ends on a node: counted, and reported with the time the channels were without a subscription.
	 * @param source the event's source
	 * @param previous the node that held the slot, or {@code null}
	 * @param target the node that holds it now
	 * @return the event to publish
	 */
	SubscriptionMovedEvent moved(Object source, NodeAddress previous, NodeAddress target) {
		SlotPhase.Moving move = move();
		Duration gap = Duration.ofNanos(System.nanoTime() - move.detectedNanos());
		// A lost connection that ends on another node was a crash (or a killed connection) of the holder.
		MoveReason reason = (move.reason() == MoveReason.RECONNECT && !target.equals(previous)) ? MoveReason.CRASH
				: move.reason();
		this.moves++;
		this.lastGap = gap;
		return new SubscriptionMovedEvent(source, this.slot, channelList(), previous, target, gap, reason,
				move.detectedNanos());
	}

	/**
	 * No reachable node serves the slot: the next attempt waits for the back-off.
	 * @param retryBackOff the back-off, started at the first failure of an episode
	 * @return the delay, or {@code null} when the back-off gave up
	 */
	@Nullable Duration retryLater(BackOff retryBackOff) {
		this.failedNodes.clear();
		this.hint = null;
		uncovered();
		if (this.backOff == null) {
			this.backOff = retryBackOff.start();
		}
		long delay = this.backOff.nextBackOff();
		cancelRetry();
		return (delay == BackOffExecution.STOP) ? null : Duration.ofMillis(delay);
	}

	/**
	 * Whether this is the first failure since the slot last settled (logged at WARN; later ones at DEBUG).
	 */
	boolean firstFailure() {
		boolean first = !this.failureLogged;
		this.failureLogged = true;
		return first;
	}

	/**
	 * The holder confirmed the channels: the move, if any, is over.
	 */
	void settled() {
		settled(false);
	}

	/**
	 * The holder confirmed the channels.
	 * @param imported whether the holder is the master that imported the slot (see {@link SlotPhase.Settled})
	 */
	void settled(boolean imported) {
		phase(new SlotPhase.Settled(imported));
		state(State.SUBSCRIBED);
		clearAttempts();
	}

	private void clearAttempts() {
		this.earlyRole = null;
		this.earlyRoleOf = null;
		this.hint = null;
		this.failedNodes.clear();
		this.backOff = null;
		this.failureLogged = false;
		cancelRetry();
	}

	/**
	 * Forget where the slot was held and any move under way (the channels stay wanted).
	 */
	void reset() {
		phase(new SlotPhase.Pending());
		clearAttempts();
		this.held.clear();
		this.standbyHeld.clear();
		this.standbyRefused.clear();
		this.standbyInFlight = false;
		this.returnTo = null;
		this.swapScheduled = false;
		this.acceptFrom = null;
		this.alsoAccept = null;
		this.alsoAcceptView = null;
		this.ahead = null;
		this.aheadHeld.clear();
		this.aheadInFlight = false;
		this.inFlight = false;
		this.dirty = false;
		this.ownerChangedInFlight = false;
		state(State.PENDING);
	}

	void cancelRetry() {
		if (this.retry != null) {
			this.retry.cancel(false);
			this.retry = null;
		}
	}

	/**
	 * Whether the standby holds every wanted channel, so that it can deliver them at once.
	 */
	boolean standbyReady() {
		return this.standby != null && !this.channels.isEmpty() && this.standbyHeld.containsAll(this.channels);
	}

	List<String> channelList() {
		return List.copyOf(this.channels);
	}

}
