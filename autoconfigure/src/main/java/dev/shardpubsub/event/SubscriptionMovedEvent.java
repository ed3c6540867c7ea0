package dev.shardpubsub.event;

import java.time.Duration;
import java.util.List;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * The channels of one slot are subscribed again, on their new node.
 */
public class SubscriptionMovedEvent extends ShardPubSubEvent {

	private final int slot;

	private final List<String> channels;

	private final @Nullable NodeAddress from;

	private final NodeAddress to;

	private final Duration gap;

	private final MoveReason reason;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param slot the hash slot
	 * @param channels the channels that moved
	 * @param from the node that held them before, or {@code null}
	 * @param to the node that holds them now
	 * @param gap the time from detecting the drop to the confirmed SSUBSCRIBE
	 * @param reason why they moved
	 * @param detectedNanos when the drop was detected
	 */
	public SubscriptionMovedEvent(Object source, int slot, List<String> channels, @Nullable NodeAddress from,
			NodeAddress to, Duration gap, MoveReason reason, long detectedNanos) {
		super(source, detectedNanos);
		this.slot = slot;
		this.channels = List.copyOf(channels);
		this.from = from;
		this.to = to;
		this.gap = gap;
		this.reason = reason;
	}

	public int getSlot() {
		return this.slot;
	}

	public List<String> getChannels() {
		return this.channels;
	}

	/**
	 * The node that held the channels before, or {@code null} if none did.
	 * @return the previous node
	 */
	public @Nullable NodeAddress getFrom() {
		return this.from;
	}

	public NodeAddress getTo() {
		return this.to;
	}

	/**
	 * How long the channels were without a subscription: from detecting the drop to the confirmed SSUBSCRIBE on
	 * the new node.
	 * @return the gap
	 */
	public Duration getGap() {
		return this.gap;
	}

	public MoveReason getReason() {
		return this.reason;
	}

	@Override
	public String toString() {
		return "SubscriptionMovedEvent[slot=" + this.slot + ", " + this.channels.size() + " channels, " + this.from
				+ " -> " + this.to + ", reason=" + this.reason + ", gap=" + this.gap.toNanos() / 1000 + "us]";
	}

}
