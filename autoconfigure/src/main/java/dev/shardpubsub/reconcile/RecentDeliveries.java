package dev.shardpubsub.reconcile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * What one channel delivered in the last moments, to recognise the second copy of a message that a move inside a
 * shard can bring.
 * <p>
 * Every node of a shard delivers every message of the shard's slots, each at its own pace: the cluster bus carries a
 * message from the node it was published on to the others, tens of milliseconds later on a loaded host. When a
 * subscription moves from one node of a shard to another (a {@code CLUSTER FAILOVER}, a crashed master's replica),
 * the new node can deliver, after our subscription there, a message the old one delivered to us just before. Redis
 * gives a message no id, so a copy is recognised by its payload: a message from the new node that equals one the old
 * node delivered within the window is dropped, each delivery matching one copy at most, in any order (messages
 * published on two nodes of the shard, as around a failover, reach each node in a different order).
 * <p>
 * It also keeps what the channel's standby sent (not delivered), which a take-over replays through the same check.
 * Costs queues of references to recent payloads; those of one channel are guarded by its monitor (deliveries from
 * two nodes can race during a move).
 */
final class RecentDeliveries {

	/** Deliveries of a node kept past the window. */
	private static final int KEPT = 4;

	/** What each delivering node delivered within the window, oldest first (made at the first delivery). */
	private @Nullable Map<NodeAddress, ArrayDeque<Delivery>> delivered;

	/** Recent messages from the standby, not delivered: replayed if it takes over (made at the first). */
	private @Nullable ArrayDeque<Delivery> standby;

	/**
	 * Record a delivery from a node, unless it is a copy of one another node of the shard made within the window.
	 * Usually one node delivers; two do while a take-over is under way (the old holder until it drops the slot, the
	 * new master from its first message), and after a switch the old node's deliveries are kept for one window.
	 * @param node the node the message came from
	 * @param payload the payload
	 * @param nowNanos the time on the {@link System#nanoTime()} clock
	 * @param windowNanos how long a delivery is remembered (positive)
	 * @param sameShard whether two nodes serve the same shard (asked only while another node's deliveries are kept)
	 * @return {@code true} if the message is a copy and must not be delivered
	 */
	synchronized boolean isCopy(NodeAddress node, byte[] payload, long nowNanos, long windowNanos,
			BiPredicate<NodeAddress, NodeAddress> sameShard) {
		long oldest = nowNanos - windowNanos;
		if (this.delivered == null) {
			// One per channel: nothing is allocated for a channel that never delivers.
			this.delivered = new HashMap<>(4);
		}
		ArrayDeque<Delivery> own = null;
		Iterator<Map.Entry<NodeAddress, ArrayDeque<Delivery>>> nodes = this.delivered.entrySet().iterator();
		while (nodes.hasNext()) {
			Map.Entry<NodeAddress, ArrayDeque<Delivery>> entry = nodes.next();
			ArrayDeque<Delivery> deliveries = entry.getValue();
			evict(deliveries, oldest, windowNanos);
			if (entry.getKey().equals(node)) {
				own = deliveries;
			}
			else if (deliveries.isEmpty()) {
				nodes.remove();
			}
			else if (sameShard.test(entry.getKey(), node) && removeMatch(deliveries, payload)) {
				return true;
			}
		}
		if (own == null) {
			own = new ArrayDeque<>();
			this.delivered.put(node, own);
		}
		own.addLast(new Delivery(node, payload, nowNanos));
		return false;
	}

	private static boolean removeMatch(ArrayDeque<Delivery> deliveries, byte[] payload) {
		// Only this one: two nodes deliver the messages published on one node in the same order, but those published
		// on different nodes (a demoted master forwards what it is still sent) can reach them in different orders.
		Iterator<Delivery> iterator = deliveries.iterator();
		while (iterator.hasNext()) {
			if (Arrays.equals(iterator.next().payload, payload)) {
				iterator.remove();
				return true;
			}
		}
		return false;
	}

	/**
	 * Keep a message from the standby for two windows, in case it takes over: a take-over after a lost connection
	 * can come late on a loaded host, and replays what the standby sent since the previous node's last delivery.
	 * @param node the standby
	 * @param payload the payload
	 * @param nowNanos the time on the {@link System#nanoTime()} clock
	 * @param windowNanos the deduplication window
	 */
	synchronized void buffer(NodeAddress node, byte[] payload, long nowNanos, long windowNanos) {
		if (this.standby == null) {
			this.standby = new ArrayDeque<>();
		}
		evictOlder(this.standby, nowNanos - 2 * windowNanos);
		this.standby.addLast(new Delivery(node, payload, nowNanos));
	}

	/**
	 * The standby took over from another node: what it sent, in order, from half a window before that node's last
	 * delivery (earlier ones are copies of what it delivered), or half a window back if it delivered nothing lately;
	 * the rest is forgotten.
	 * @param node the standby
	 * @param previous the node whose messages were accepted until now, or {@code null}
	 * @param nowNanos the time on the {@link System#nanoTime()} clock
	 * @param windowNanos the deduplication window
	 * @return its buffered messages
	 */
	synchronized List<Delivery> takeBuffered(NodeAddress node, @Nullable NodeAddress previous, long nowNanos,
			long windowNanos) {
		ArrayDeque<Delivery> before = (previous != null && this.delivered != null) ? this.delivered.get(previous)
				: null;
		Delivery last = (before != null) ? before.peekLast() : null;
		long from = (last != null && last.nanos > nowNanos - 10 * windowNanos) ? last.nanos - windowNanos / 2
				: nowNanos - windowNanos / 2;
		List<Delivery> taken = new ArrayList<>();
		if (this.standby == null) {
			return taken;
		}
		for (Delivery buffered : this.standby) {
			if (buffered.node.equals(node) && buffered.nanos >= Math.min(from, nowNanos - windowNanos / 2)) {
				taken.add(buffered);
			}
		}
		this.standby.clear();
		return taken;
	}

	/**
	 * Forget a node's deliveries more than one window older than its latest one (and so older than the window while it
	 * delivers), but keep its last {@value #KEPT}; once it went silent (it dropped the slot, the subscription moved),
	 * its last window of deliveries is kept until it has been silent for ten windows: the other node's copies can come
	 * late, as a loaded replica's do.
	 */
	private static void evict(ArrayDeque<Delivery> deliveries, long oldest, long windowNanos) {
		Delivery newest = deliveries.peekLast();
		if (newest == null) {
			return;
		}
		if (newest.nanos < oldest - 9 * windowNanos) {
			deliveries.clear();
			return;
		}
		long keepFrom = Math.min(oldest, newest.nanos - windowNanos);
		while (deliveries.size() > KEPT && deliveries.peekFirst().nanos < keepFrom) {
			deliveries.removeFirst();
		}
	}

	private static void evictOlder(ArrayDeque<Delivery> deliveries, long oldest) {
		Iterator<Delivery> iterator = deliveries.iterator();
		while (iterator.hasNext() && iterator.next().nanos < oldest) {
			iterator.remove();
		}
	}

	/**
	 * A message that arrived from a node.
	 * @param node the node
	 * @param payload the payload
	 * @param nanos when it arrived, on the {@link System#nanoTime()} clock
	 */
	record Delivery(NodeAddress node, byte[] payload, long nanos) {

	}

}
