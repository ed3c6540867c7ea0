package dev.shardpubsub.event;

import java.time.Duration;
import java.util.List;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * Subscribing the channels of a slot failed. Says what is pending, why, and whether it will be retried.
 */
public class SubscriptionFailedEvent extends ShardPubSubEvent {

	private final int slot;

	private final List<String> channels;

	private final @Nullable NodeAddress node;

	private final String reason;

	private final @Nullable Duration retryIn;

	private final int pendingSlots;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param slot the slot whose subscription failed
	 * @param channels its channels, now without a subscription
	 * @param node the node last tried, or {@code null} when no node serves the slot
	 * @param reason why it failed
	 * @param retryIn when it is tried again, or {@code null} if it will not be retried
	 * @param pendingSlots how many slots in all are waiting for a subscription
	 * @param detectedNanos when the failure happened
	 */
	public SubscriptionFailedEvent(Object source, int slot, List<String> channels, @Nullable NodeAddress node,
			String reason, @Nullable Duration retryIn, int pendingSlots, long detectedNanos) {
		super(source, detectedNanos);
		this.slot = slot;
		this.channels = List.copyOf(channels);
		this.node = node;
		this.reason = reason;
		this.retryIn = retryIn;
		this.pendingSlots = pendingSlots;
	}

	public int getSlot() {
		return this.slot;
	}

	public List<String> getChannels() {
		return this.channels;
	}

	/**
	 * The node last tried.
	 * @return the node, or {@code null} when no node serves the slot
	 */
	public @Nullable NodeAddress getNode() {
		return this.node;
	}

	public String getReason() {
		return this.reason;
	}

	/**
	 * Whether the subscription will be tried again on its own.
	 * @return whether a retry is scheduled
	 */
	public boolean willRetry() {
		return this.retryIn != null;
	}

	/**
	 * The delay before the next attempt.
	 * @return the delay, or {@code null} if none is scheduled
	 */
	public @Nullable Duration getRetryIn() {
		return this.retryIn;
	}

	/**
	 * How many slots in all are waiting for a subscription.
	 * @return the pending slot count
	 */
	public int getPendingSlots() {
		return this.pendingSlots;
	}

	@Override
	public String toString() {
		return "SubscriptionFailedEvent[slot=" + this.slot + ", channels=" + this.channels + ", node=" + this.node
				+ ", reason=" + this.reason + ", " + (willRetry() ? "retry in " + this.retryIn.toMillis() + "ms"
						: "not retried")
				+ ", pendingSlots=" + this.pendingSlots + "]";
	}

}
