package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.shardpubsub.listener.ShardMessage;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Which node's messages reach a channel's listeners: the slot's holder ({@link SlotSubscription#acceptFrom}), and
 * during a take-over on Redis 7.2+ also the standby ({@link SlotSubscription#alsoAccept}), and during a migration the
 * importing master ({@link SlotSubscription#ahead}). Messages from any other
 * node are not delivered (the standby's are kept for a while, {@link RecentDeliveries}), and the second copy of a
 * message that a move inside a shard brings is dropped.
 * <p>
 * The reconciler decides whom to accept; this gate applies it on the Redis I/O threads, and replays what the
 * standby sent lately when it is accepted, holding the slot's channels so that no message overtakes the replay.
 */
final class MessageGate {

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final SubscriptionIndex index;

	private final TopologyWatcher topology;

	private final AtomicLong ignored = new AtomicLong();

	private final AtomicLong droppedCopies = new AtomicLong();

	private volatile long windowNanos;

	MessageGate(SubscriptionIndex index, TopologyWatcher topology, Duration window) {
		this.index = index;
		this.topology = topology;
		setWindow(window);
	}

	void setWindow(Duration window) {
		Assert.isTrue(window != null && !window.isNegative(), "The deduplication window must not be negative");
		this.windowNanos = window.toNanos();
	}

	Duration window() {
		return Duration.ofNanos(this.windowNanos);
	}

	long ignoredCount() {
		return this.ignored.get();
	}

	long droppedCopyCount() {
		return this.droppedCopies.get();
	}

	/**
	 * A message from a node, on a Redis I/O thread.
	 * @param node the node
	 * @param channel the channel
	 * @param payload the payload
	 */
	void deliver(NodeAddress node, String channel, byte[] payload) {
		ChannelListeners listeners = this.index.channel(channel);
		if (listeners == null) {
			return;
		}
		SlotSubscription slot = listeners.slot;
		long window = this.windowNanos;
		// One channel's deliveries are ordered against a take-over, which replays the standby's.
		synchronized (listeners.recent) {
			if (!node.equals(slot.acceptFrom) && !node.equals(slot.alsoAccept) && !node.equals(slot.ahead)) {
				if (!node.equals(slot.standby)) {
					this.ignored.incrementAndGet();
				}
				else if (window > 0) {
					listeners.recent.buffer(node, payload, System.nanoTime(), window);
				}
				return;
			}
			deliverAccepted(listeners, node, payload, System.nanoTime(), window);
		}
	}

	private void deliverAccepted(ChannelListeners listeners, NodeAddress node, byte[] payload, long nanos,
			long window) {
		if (window > 0 && listeners.recent.isCopy(node, payload, nanos, window, this::maySendCopies)) {
			this.droppedCopies.incrementAndGet();
			return;
		}
		listeners.lastMessageAtMillis = System.currentTimeMillis();
		ShardMessage message = new ShardMessage(listeners.channel, payload, listeners.slot.slot, node.toString());
		for (ShardMessageSink sink : listeners.sinks.values()) {
			try {
				sink.accept(message);
			}
			catch (RuntimeException ex) {
				logger.error("Listener sink failed for " + message, ex);
			}
		}
	}

	/**
	 * Whether one message can reach us from both nodes: they serve one shard, or our view cannot tell (during a
	 * failover it can be half-way, showing the demoted master as neither owner nor replica). Nodes of two different
	 * shards cannot: a message is published in one shard only.
	 */
	private boolean maySendCopies(NodeAddress first, NodeAddress second) {
		SlotOwnership ownership = this.topology.current();
		if (ownership.sameShard(first, second)) {
			return true;
		}
		return ownership.shardOf(first) == null || ownership.shardOf(second) == null;
	}

	/**
	 * Take a slot's messages from its standby only, from now on, first delivering what the standby sent since half a
	 * deduplication window before the previous node's last delivery (at least the last half window), and the previous
	 * node did not (its copies of the previous node's deliveries are dropped): the standby hears the shard's messages
	 * all along, so the switch loses nothing it heard, even when it comes late. Runs on the reconciler's thread.
	 * @param slot the slot
	 * @param standby the node taking over
	 */
	void acceptOnly(SlotSubscription slot, NodeAddress standby) {
		accept(slot, standby, null);
	}

	/**
	 * Bridge a move with the standby: as {@link #acceptOnly}, unless the move's new node was accepted meanwhile (its
	 * {@code SSUBSCRIBE}, sent first, answered on an I/O thread), which stays accepted then, the standby besides it.
	 * @param slot the slot
	 * @param standby the standby node
	 * @param lostHolder the node that dropped the slot
	 */
	void bridge(SlotSubscription slot, NodeAddress standby, NodeAddress lostHolder) {
		accept(slot, standby, lostHolder);
	}

	/**
	 * Take a slot's messages from its standby besides the holder's, replaying as {@link #acceptOnly} does.
	 * @param slot the slot
	 * @param standby the standby node
	 */
	void acceptAlso(SlotSubscription slot, NodeAddress standby) {
		accept(slot, standby, standby);
	}

	/**
	 * @param replaced the node the standby replaces; any if {@code null}; none (accepted alongside) if the standby
	 * itself, or if another node replaced it meanwhile
	 */
	private void accept(SlotSubscription slot, NodeAddress standby, @Nullable NodeAddress replaced) {
		List<ChannelListeners> channels = slot.channels.stream()
			.sorted()
			.map(this.index::channel)
			.filter((listeners) -> listeners != null)
			.toList();
		holding(channels, 0, () -> {
			NodeAddress previous = slot.acceptFrom;
			boolean alongside = standby.equals(replaced)
					|| (replaced != null && !slot.switchAcceptFrom(replaced, standby));
			if (alongside) {
				slot.alsoAccept = standby;
			}
			else if (replaced == null) {
				slot.acceptFrom = standby;
			}
			long window = this.windowNanos;
			if (window <= 0) {
				return;
			}
			long now = System.nanoTime();
			int replayed = 0;
			for (ChannelListeners listeners : channels) {
				// From half a window before the previous node's last delivery: the standby hears a message a
				// little after it, and its deliveries it is compared with are remembered for one window.
				for (RecentDeliveries.Delivery buffered : listeners.recent.takeBuffered(standby,
						(previous == null || previous.equals(standby)) ? null : previous, now, window)) {
					deliverAccepted(listeners, standby, buffered.payload(), buffered.nanos(), window);
					replayed++;
				}
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Slot " + slot.slot + ": " + (alongside ? "also accepting " : "handed over to ") + standby
						+ ", " + replayed + " buffered message(s) replayed, copies dropped");
			}
		});
	}

	private static void holding(List<ChannelListeners> channels, int from, Runnable action) {
		if (from == channels.size()) {
			action.run();
			return;
		}
		synchronized (channels.get(from).recent) {
			holding(channels, from + 1, action);
		}
	}

}
