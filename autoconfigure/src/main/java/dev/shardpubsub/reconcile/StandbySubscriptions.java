package dev.shardpubsub.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Keeps a passive copy of each settled slot's subscription on another node of its holder's shard (a replica of
 * the master holding it, or the master of the replica holding it).
 * <p>
 * Every node of a shard delivers every message of the shard's slots, so the standby hears what the holder hears;
 * its messages are not delivered while the holder has the subscription. When the holder loses it, the standby
 * delivers at once: after a lost connection (a crashed master, a killed connection) it becomes the holder without a
 * round trip, and after a server push it bridges the move, which matters most for a {@code CLUSTER FAILOVER}: the
 * messages the old master queued while its writes were paused run after it has dropped our subscription and reach
 * the new master (the standby) before any new {@code SSUBSCRIBE} could. Copies it delivers a little after the
 * holder are dropped by {@link RecentDeliveries}.
 * <p>
 * Runs only on the reconciler's thread.
 */
final class StandbySubscriptions {

	/** Refused nodes are asked again at least every this many periodic checks (a node restarted unnoticed). */
	private static final int RETRY_REFUSED_EVERY = 5;

	/** Slots checked in one step of the reconciler's thread by the periodic check. */
	private static final int CHECK_CHUNK = 256;

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final ShardSubscriptionReconciler owner;

	private final SubscriptionIndex index;

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private volatile boolean enabled;

	/** The topology the last periodic check saw. */
	private @Nullable SlotOwnership lastView;

	private int checksSinceRetry;

	StandbySubscriptions(ShardSubscriptionReconciler owner, SubscriptionIndex index, NodeSubscriptionClient nodes,
			TopologyWatcher topology) {
		this.owner = owner;
		this.index = index;
		this.nodes = nodes;
		this.topology = topology;
	}

	void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Bring the slot's standby in line with its holder and channels: pick the node, drop a standby that no longer
	 * fits, subscribe what is missing and unsubscribe what is no longer wanted.
	 * @param slot the slot
	 */
	void ensure(SlotSubscription slot) {
		if (!this.owner.isRunning() || slot.standbyInFlight || slot.inFlight || slot.moving()
				|| this.owner.standbysWait()) {
			// Left alone during a move: it may be bridging it. After a cold start the holders go first.
			return;
		}
		NodeAddress wanted = wantedStandby(slot);
		NodeAddress current = slot.standby;
		if (current != null && !current.equals(wanted)) {
			drop(slot);
			current = null;
		}
		if (wanted == null) {
			return;
		}
		if (current == null) {
			this.index.standby(slot, wanted);
		}
		List<String> unwanted = slot.standbyHeld.stream().filter((channel) -> !slot.channels.contains(channel)).toList();
		if (!unwanted.isEmpty()) {
			slot.standbyHeld.removeAll(unwanted);
			this.nodes.unsubscribe(wanted, unwanted);
		}
		List<String> missing = slot.channels.stream().filter((channel) -> !slot.standbyHeld.contains(channel)).toList();
		if (!missing.isEmpty()) {
			subscribe(slot, wanted, missing, false);
		}
		else {
			swapIfStandbyOwns(slot);
		}
	}

	private void subscribe(SlotSubscription slot, NodeAddress node, List<String> channels, boolean afterPush) {
		if (logger.isDebugEnabled()) {
			logger.debug("Standby of slot " + slot.slot + ": subscribing " + channels + " on " + node);
		}
		slot.standbyInFlight = true;
		long generation = this.owner.generation();
		CompletableFuture<Void> result;
		try {
			result = this.nodes.subscribe(node, channels);
		}
		catch (RuntimeException ex) {
			result = CompletableFuture.failedFuture(ex);
		}
		result.whenComplete((ignored, error) -> this.owner.execute(() -> {
			if (generation != this.owner.generation()) {
				return;
			}
			slot.standbyInFlight = false;
			boolean current = this.index.slot(slot.slot) == slot && node.equals(slot.standby);
			if (error != null) {
				if (logger.isDebugEnabled()) {
					logger.debug("Standby subscription of slot " + slot.slot + " on " + node + " failed: "
							+ error.getMessage());
				}
				slot.standbyRefused.add(node);
				if (current) {
					drop(slot);
				}
				return;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Standby of slot " + slot.slot + ": " + channels + " subscribed on " + node
						+ (current ? "" : ", no longer wanted there"));
			}
			if (!current) {
				if (!node.equals(slot.holder)) {
					this.nodes.unsubscribe(node, channels);
				}
				return;
			}
			slot.standbyHeld.addAll(channels);
			if (afterPush) {
				this.owner.standbyRetaken(slot, node);
			}
			ensure(slot);
		}));
	}

	/**
	 * After a lost connection made a replica the holder, the standby on the slot's master (the node whose connection
	 * was lost, reachable again and still the owner) takes the subscription back, a quarter of a deduplication window
	 * later (what the master sent meanwhile is replayed, which reaches half a window back): a subscription held on a replica would go deaf when that
	 * replica froze, which nothing announces but the liveness {@code PING}. Both already hold the channels: the two
	 * swap roles without a command.
	 */
	private void swapIfStandbyOwns(SlotSubscription slot) {
		if (slot.swapScheduled || !canSwap(slot)) {
			return;
		}
		// Wait until the replica, which hears the master a little later, delivered what the master sent before our
		// subscription there; the master's own messages meanwhile are kept and replayed at the switch.
		slot.swapScheduled = true;
		this.owner.schedule(() -> {
			slot.swapScheduled = false;
			if (this.index.slot(slot.slot) == slot && canSwap(slot)) {
				swap(slot);
			}
		}, Math.max(1, this.owner.getDeduplicationWindow().toMillis() / 4));
	}

	private boolean canSwap(SlotSubscription slot) {
		NodeAddress master = slot.standby;
		NodeAddress replica = slot.holder;
		if (master == null || replica == null || !master.equals(slot.returnTo) || slot.inFlight || slot.moving()
				|| slot.standbyInFlight || !slot.standbyReady()
				|| !slot.held.containsAll(slot.channels)) {
			return false;
		}
		SlotOwnership ownership = this.topology.current();
		return master.equals(ownership.owner(slot.slot)) && ownership.replicasOf(master).contains(replica);
	}

	private void swap(SlotSubscription slot) {
		NodeAddress master = slot.standby;
		NodeAddress replica = slot.holder;
		List<String> replicaHeld = List.copyOf(slot.held);
		// What the master delivered and the replica has not yet (it hears the master a little later) is replayed.
		this.owner.handOver(slot, master);
		this.index.holder(slot, master);
		this.index.standby(slot, replica);
		slot.held.clear();
		slot.held.addAll(slot.standbyHeld);
		slot.standbyHeld.clear();
		slot.standbyHeld.addAll(replicaHeld);
		slot.returnTo = null;
		if (logger.isDebugEnabled()) {
			logger.debug("Slot " + slot.slot + ": back on its master " + master + ", standby on " + replica);
		}
	}

	/**
	 * Forget the slot's standby and unsubscribe what it held.
	 * @param slot the slot
	 */
	void drop(SlotSubscription slot) {
		NodeAddress standby = slot.standby;
		if (standby == null) {
			return;
		}
		List<String> held = new ArrayList<>(slot.standbyHeld);
		if (logger.isDebugEnabled()) {
			logger.debug("Standby of slot " + slot.slot + ": leaving " + standby + " (held " + held + ")");
		}
		slot.standbyHeld.clear();
		this.index.standby(slot, null);
		if (!held.isEmpty() && !standby.equals(slot.holder)) {
			this.nodes.unsubscribe(standby, held);
		}
	}

	/**
	 * The standby became the holder: it keeps its subscriptions, as the holder's.
	 * @param slot the slot
	 */
	void promoted(SlotSubscription slot) {
		slot.standbyHeld.clear();
		this.index.standby(slot, null);
	}

	/**
	 * The standby node dropped a channel (a server push). It is subscribed there again at once, every channel of the
	 * slot in one command (the node drops them all together, and its pushes for the others arrive before our
	 * answer): on Redis 7.2+ and Valkey a replica promoted by a failover drops its subscribers as it takes the slot
	 * over, so this push is the first sign of a failover, and the node is the slot's new master. If the slot left
	 * the shard (a reshard), the node answers {@code MOVED} and the standby is dropped.
	 * @param slot the slot
	 * @param channel the channel it dropped
	 */
	void dropped(SlotSubscription slot, String channel) {
		NodeAddress node = slot.standby;
		if (logger.isDebugEnabled()) {
			logger.debug("Standby of slot " + slot.slot + ": " + node + " dropped " + channel);
		}
		slot.standbyHeld.remove(channel);
		if (node.equals(slot.alsoAccept)) {
			slot.alsoAccept = null;
		}
		if (slot.standbyInFlight || !this.owner.isRunning()) {
			// The command under way answers after this push: its channels are held; the rest is ensured after it.
			return;
		}
		subscribe(slot, node, slot.channelList(), true);
	}

	/**
	 * The connection to a standby node was lost: its standby subscriptions are gone.
	 * @param node the node
	 */
	void connectionLost(NodeAddress node) {
		for (SlotSubscription slot : this.index.standbyOn(node)) {
			if (logger.isDebugEnabled()) {
				logger.debug("Standby of slot " + slot.slot + ": lost the connection to " + node);
			}
			slot.standbyHeld.clear();
			this.index.standby(slot, null);
			ensure(slot);
		}
	}

	/**
	 * The periodic check: give every settled slot its standby. Nodes that refused are tried again once the topology
	 * changed (a replica rejoined, a failover) or every {@value #RETRY_REFUSED_EVERY} checks, so a node that keeps
	 * refusing is not asked every second.
	 */
	void ensureAll() {
		SlotOwnership view = this.topology.current();
		boolean changed = view != this.lastView || ++this.checksSinceRetry >= RETRY_REFUSED_EVERY;
		if (changed) {
			this.checksSinceRetry = 0;
		}
		this.lastView = view;
		ensureFrom(List.copyOf(this.index.slots()), 0, changed);
	}

	/**
	 * Check {@value #CHECK_CHUNK} slots from {@code from}, then queue the rest behind what is queued meanwhile on the
	 * reconciler's thread: with 100,000 channels a check of every slot takes long enough to hold up a move.
	 */
	private void ensureFrom(List<SlotSubscription> slots, int from, boolean changed) {
		int to = Math.min(slots.size(), from + CHECK_CHUNK);
		this.nodes.batch(() -> {
			for (SlotSubscription slot : slots.subList(from, to)) {
				if (this.index.slot(slot.slot) != slot) {
					continue;
				}
				if (slot.alsoAccept != null) {
					this.owner.checkRetaken(slot);
				}
				if (changed) {
					slot.standbyRefused.clear();
				}
				else if (slot.standbyReady() && slot.returnTo == null) {
					// Nothing to check: the view is the one it was chosen in, and channel changes are followed as
					// they happen (the reconcile of the slot ensures its standby).
					continue;
				}
				ensure(slot);
			}
		});
		if (to < slots.size()) {
			this.owner.execute(() -> ensureFrom(slots, to, changed));
		}
	}

	private @Nullable NodeAddress wantedStandby(SlotSubscription slot) {
		NodeAddress holder = slot.holder;
		if (!this.enabled || holder == null || slot.channels.isEmpty()) {
			return null;
		}
		SlotOwnership ownership = this.topology.current();
		List<NodeAddress> candidates = new ArrayList<>();
		if (ownership.isMaster(holder)) {
			candidates.addAll(ownership.replicasOf(holder));
		}
		else {
			for (NodeAddress master : ownership.masters()) {
				List<NodeAddress> replicas = ownership.replicasOf(master);
				if (replicas.contains(holder)) {
					candidates.add(master);
					candidates.addAll(replicas);
				}
			}
		}
		NodeAddress current = slot.standby;
		// A view taken half-way through a failover places the demoted master nowhere (no slots, no master yet): the
		// standby stays until a view puts it in another shard.
		if (current != null && (candidates.contains(current) || ownership.shardOf(current) == null)
				&& !ownership.isFailing(current) && !slot.standbyRefused.contains(current)) {
			return current;
		}
		for (NodeAddress candidate : candidates) {
			if (!candidate.equals(holder) && !ownership.isFailing(candidate)
					&& !slot.standbyRefused.contains(candidate)) {
				return candidate;
			}
		}
		return null;
	}

}
