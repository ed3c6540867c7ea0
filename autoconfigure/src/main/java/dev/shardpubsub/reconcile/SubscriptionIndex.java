package dev.shardpubsub.reconcile;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.cluster.SlotHash;

import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.topology.NodeAddress;

/**
 * The indexes that keep every reconcile step proportional to what it touches: channel to listeners (and slot),
 * slot to channels, and holding node to slots (the reverse index that says where to unsubscribe).
 * <p>
 * Written only on the reconciler's thread; the channel map is also read by message delivery.
 */
final class SubscriptionIndex {

	private final Map<String, ChannelListeners> channels = new ConcurrentHashMap<>();

	private final Map<Integer, SlotSubscription> slots = new ConcurrentHashMap<>();

	private final Map<NodeAddress, Set<Integer>> slotsByHolder = new HashMap<>();

	ChannelListeners channel(String channel) {
		return this.channels.get(channel);
	}

	Collection<ChannelListeners> channels() {
		return this.channels.values();
	}

	SlotSubscription slot(int slot) {
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
			SlotSubscription slot = this.slots.computeIfAbsent(SlotHash.getSlot(name), SlotSubscription::new);
			slot.channels.add(name);
			return new ChannelListeners(name, slot);
		});
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
		holder(slot, null);
	}

	/**
	 * Record which node holds a slot's subscription.
	 */
	void holder(SlotSubscription slot, NodeAddress holder) {
		NodeAddress previous = slot.holder;
		if (previous != null) {
			Set<Integer> held = this.slotsByHolder.get(previous);
			if (held != null) {
				held.remove(slot.slot);
				if (held.isEmpty()) {
					this.slotsByHolder.remove(previous);
				}
			}
		}
		slot.holder = holder;
		if (holder != null) {
			this.slotsByHolder.computeIfAbsent(holder, (node) -> new HashSet<>()).add(slot.slot);
		}
	}

	/**
	 * The slots a node holds.
	 */
	List<SlotSubscription> heldBy(NodeAddress node) {
		Set<Integer> held = this.slotsByHolder.getOrDefault(node, Set.of());
		return held.stream().map(this.slots::get).filter((slot) -> slot != null).toList();
	}

	boolean holdsAnything(NodeAddress node) {
		return this.slotsByHolder.containsKey(node);
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
