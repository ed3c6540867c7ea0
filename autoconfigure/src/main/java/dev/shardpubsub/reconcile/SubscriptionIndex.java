package dev.shardpubsub.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.cluster.SlotHash;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.cluster.NodeAddress;

/**
 * The indexes that keep every reconcile step proportional to what it touches: channel to listeners (and slot),
 * slot to channels, and holding node to slots (the reverse index that says where to unsubscribe).
 * <p>
 * Written only on the reconciler's thread; the channel map is also read by message delivery.
 */
final class SubscriptionIndex {

	/** New slots this few or fewer never hold the standbys up. */
	private static final int FEW_SLOTS = 16;

	private final Map<String, ChannelListeners> channels = new ConcurrentHashMap<>();

	private final Map<Integer, SlotSubscription> slots = new ConcurrentHashMap<>();

	private final Map<NodeAddress, Set<Integer>> slotsByHolder = new HashMap<>();

	private final Map<NodeAddress, Set<Integer>> slotsByStandby = new HashMap<>();

	/** Slots no node has held since they were added (or since a stop): their first subscribe is under way. */
	private final BitSet neverHeld = new BitSet(SlotHash.SLOT_COUNT);

	/** How many slots {@link #neverHeld} has. */
	private int neverHeldCount;

	/** Told, on the reconciler's thread, when the last slot never held gets its first holder. */
	private Runnable allHeld = () -> {
	};

	void onAllHeld(Runnable allHeld) {
		this.allHeld = allHeld;
	}

	/** Until when ({@link System#nanoTime()}) the first subscribes of new slots are waited for. */
	private long firstHoldersDeadline;

	/**
	 * New slots are being subscribed: {@link #awaitingFirstHolders()} for at most the given time.
	 */
	void awaitFirstHolders(long maxNanos) {
		this.firstHoldersDeadline = System.nanoTime() + maxNanos;
	}

	/**
	 * Whether a slot has never been held since it was added or since the last stop, and the time to wait for it
	 * has not run out.
	 */
	boolean awaitingFirstHolders() {
		// A few new slots (a listener added at runtime) do not hold the standbys of every other slot up: a failover
		// meanwhile would find no standby ready.
		return this.neverHeldCount > FEW_SLOTS && System.nanoTime() - this.firstHoldersDeadline < 0;
	}

	@Nullable ChannelListeners channel(String channel) {
		return this.channels.get(channel);
	}

	/**
	 * The instance of a channel's name held here, or the name itself when the channel is not wanted. Any thread.
	 */
	String name(String channel) {
		ChannelListeners listeners = this.channels.get(channel);
		return (listeners != null) ? listeners.channel : channel;
	}

	Collection<ChannelListeners> channels() {
		return this.channels.values();
	}

	@Nullable SlotSubscription slot(int slot) {
		return this.slots.get(slot);
	}

	Collection<SlotSubscription> slots() {
		return this.slots.values();
	}

	/**
	 * The listeners of a channel, added with its slot when new.
	 */
	ChannelListeners addChannel(String channel) {
		return this.channels.computeIfAbsent(channel, (name) -> {
			SlotSubscription slot = this.slots.computeIfAbsent(SlotHash.getSlot(name), this::newSlot);
			slot.channels.add(name);
			return new ChannelListeners(name, slot);
		});
	}

	private SlotSubscription newSlot(int slot) {
		neverHeld(slot);
		return new SlotSubscription(slot);
	}

	private void neverHeld(int slot) {
		if (!this.neverHeld.get(slot)) {
			this.neverHeld.set(slot);
			this.neverHeldCount++;
		}
	}

	void removeChannel(ChannelListeners listeners) {
		this.channels.remove(listeners.channel);
		listeners.slot.channels.remove(listeners.channel);
	}

	/**
	 * Forget a slot no listener wants any more.
	 */
	void removeSlot(SlotSubscription slot) {
		this.slots.remove(slot.slot);
		firstHolder(slot.slot);
		holder(slot, null);
		standby(slot, null);
	}

	/**
	 * Record which node holds a slot's subscription.
	 */
	void holder(SlotSubscription slot, @Nullable NodeAddress holder) {
		move(this.slotsByHolder, slot.slot, slot.holder, holder);
		slot.holder = holder;
		if (holder != null) {
			firstHolder(slot.slot);
		}
	}

	private void firstHolder(int slot) {
		if (this.neverHeld.get(slot)) {
			this.neverHeld.clear(slot);
			this.neverHeldCount--;
			if (this.neverHeld.isEmpty()) {
				this.allHeld.run();
			}
		}
	}

	/**
	 * Forget where a slot was held, as after a stop: it counts as never held until it is subscribed again.
	 */
	void forgetHolders(SlotSubscription slot) {
		holder(slot, null);
		standby(slot, null);
		neverHeld(slot.slot);
	}

	/**
	 * Record which node holds the slot's standby subscription.
	 */
	void standby(SlotSubscription slot, @Nullable NodeAddress standby) {
		move(this.slotsByStandby, slot.slot, slot.standby, standby);
		slot.standby = standby;
		if (standby == null || !standby.equals(slot.alsoAccept)) {
			slot.alsoAccept = null;
			slot.alsoAcceptView = null;
		}
	}

	private static void move(Map<NodeAddress, Set<Integer>> index, int slot, @Nullable NodeAddress from,
			@Nullable NodeAddress to) {
		if (from != null) {
			Set<Integer> slots = index.get(from);
			if (slots != null) {
				slots.remove(slot);
				if (slots.isEmpty()) {
					index.remove(from);
				}
			}
		}
		if (to != null) {
			index.computeIfAbsent(to, (node) -> new HashSet<>()).add(slot);
		}
	}

	/**
	 * The slots a node holds.
	 */
	List<SlotSubscription> heldBy(NodeAddress node) {
		return slots(this.slotsByHolder, node);
	}

	/**
	 * The slots a node holds standby subscriptions of.
	 */
	List<SlotSubscription> standbyOn(NodeAddress node) {
		return slots(this.slotsByStandby, node);
	}

	private List<SlotSubscription> slots(Map<NodeAddress, Set<Integer>> index, NodeAddress node) {
		Set<Integer> slots = index.getOrDefault(node, Set.of());
		return slots.stream().map(this.slots::get).filter((slot) -> slot != null).toList();
	}

	boolean holdsAnything(NodeAddress node) {
		return this.slotsByHolder.containsKey(node) || this.slotsByStandby.containsKey(node);
	}

	/**
	 * The state of every channel, sorted by name, for the read API.
	 */
	List<ChannelSubscription> channelStates() {
		List<ChannelSubscription> result = new ArrayList<>(this.channels.size());
		for (ChannelListeners listeners : this.channels.values()) {
			SlotSubscription slot = listeners.slot;
			// A channel added to a subscribed slot is subscribed once its holder confirmed it.
			boolean confirmed = slot.state != State.SUBSCRIBED || slot.held.contains(listeners.channel);
			State state = confirmed ? slot.state : State.PENDING;
			NodeAddress holder = confirmed ? slot.holder : null;
			long last = listeners.lastMessageAtMillis;
			// A channel waiting for its own confirmation waits since it was added, not since the slot settled.
			Instant since = confirmed ? slot.stateSince
					: latest(slot.stateSince, Instant.ofEpochMilli(listeners.addedAtMillis));
			result.add(new ChannelSubscription(listeners.channel, slot.slot, state,
					(holder != null) ? holder.toString() : null, listeners.sinks.keySet(), since,
					(last != 0) ? Instant.ofEpochMilli(last) : null, slot.moves, slot.lastGap));
		}
		result.sort(Comparator.comparing(ChannelSubscription::channel));
		return result;
	}

	private static Instant latest(Instant first, Instant second) {
		return first.isAfter(second) ? first : second;
	}

	int pendingSlots() {
		int pending = 0;
		for (SlotSubscription slot : this.slots.values()) {
			if (slot.state != State.SUBSCRIBED) {
				pending++;
			}
		}
		return pending;
	}

}
