package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import org.springframework.util.backoff.BackOffExecution;

import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.topology.NodeAddress;

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
	volatile NodeAddress holder;

	/** The only node whose messages are delivered: one subscription per channel, never a duplicate. */
	volatile NodeAddress acceptFrom;

	/** Another node of the holder's shard with a passive copy of the subscription, or null. */
	volatile NodeAddress standby;

	/**
	 * The standby node, accepted besides the holder: it dropped the slot and took our subscription again at once,
	 * which a replica promoted by a failover does on Redis 7.2+ and Valkey (it serves the slot now, while the old
	 * holder may still deliver what was published on it before it learns of its demotion). Null otherwise.
	 */
	volatile NodeAddress alsoAccept;

	/** The topology view when {@link #alsoAccept} was set. */
	Object alsoAcceptView;

	/** The standby delivering while the holder's subscription is being made again, or null. */
	volatile NodeAddress bridge;

	/** The master whose lost connection made its standby the holder: the subscription returns there. */
	NodeAddress returnTo;

	/** The return to {@link #returnTo} is scheduled. */
	boolean swapScheduled;

	/** The channels the standby confirmed. */
	final Set<String> standbyHeld = ConcurrentHashMap.newKeySet();

	/** A standby subscribe or unsubscribe is under way. */
	boolean standbyInFlight;

	/** Nodes that refused or failed a standby subscription, not tried again until the topology changes. */
	final Set<NodeAddress> standbyRefused = new HashSet<>();

	volatile State state = State.PENDING;

	volatile Instant stateSince = Instant.now();

	volatile long moves;

	volatile Duration lastGap;

	// A move under way
	boolean inFlight;

	boolean dirty;

	boolean needsMove;

	boolean holderLost;

	/** The node that pushed was asked for its master already during this move. */
	boolean roleAsked;

	/** The topology showed a new owner while a subscribe was in flight: check the result against it. */
	boolean ownerChangedInFlight;

	MoveReason reason;

	long detectedNanos;

	NodeAddress hint;

	final Set<NodeAddress> failedNodes = new HashSet<>();

	BackOffExecution backOff;

	ScheduledFuture<?> retry;

	boolean failureLogged;

	SlotSubscription(int slot) {
		this.slot = slot;
	}

	void state(State newState) {
		if (this.state != newState) {
			this.state = newState;
			this.stateSince = Instant.now();
		}
	}

	/**
	 * The holder lost these subscriptions (a push, a lost connection): they must be made again.
	 */
	void lost(MoveReason why, long nanos) {
		if (!this.needsMove || !this.holderLost) {
			this.reason = why;
			this.detectedNanos = nanos;
		}
		this.needsMove = true;
		this.holderLost = true;
		this.held.clear();
		state(State.MOVING);
	}

	/**
	 * The topology shows another owner while the holder still holds them: move, make before break.
	 */
	void ownerChanged(long nanos) {
		if (!this.needsMove) {
			this.reason = MoveReason.TOPOLOGY_CHANGE;
			this.detectedNanos = nanos;
		}
		this.needsMove = true;
		if (this.holder == null) {
			this.holderLost = true;
		}
	}

	void settled() {
		this.bridge = null;
		this.roleAsked = false;
		this.needsMove = false;
		this.holderLost = false;
		this.reason = null;
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
		settled();
		this.held.clear();
		this.standbyHeld.clear();
		this.standbyRefused.clear();
		this.standbyInFlight = false;
		this.returnTo = null;
		this.swapScheduled = false;
		this.acceptFrom = null;
		this.alsoAccept = null;
		this.alsoAcceptView = null;
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
