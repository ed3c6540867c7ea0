package dev.shardpubsub.listener;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A point-in-time view of one subscribed shard channel.
 *
 * @param channel the channel name
 * @param slot its hash slot
 * @param state the state of its subscription
 * @param node the node holding the subscription ({@code host:port}), or {@code null} when none does
 * @param listenerIds the listeners receiving it
 * @param stateSince when the channel entered its current state
 * @param lastMessageAt when the last message arrived, or {@code null}
 * @param moves how many times the subscription was made again after its node dropped it (moved to another node,
 *        or taken again by the same node after a reconnect)
 * @param lastGap the last resubscribe gap (drop detected to SSUBSCRIBE confirmed), or {@code null}
 */
public record ChannelSubscription(String channel, int slot, State state, @Nullable String node,
		Set<String> listenerIds, Instant stateSince, @Nullable Instant lastMessageAt, long moves,
		@Nullable Duration lastGap) {

	/**
	 * The state of a channel subscription.
	 */
	public enum State {

		/** Waiting for its first SSUBSCRIBE. */
		PENDING,

		/** Subscribed on the node that serves its slot. */
		SUBSCRIBED,

		/** Dropped by its node (slot moved, failover, lost connection); being resubscribed. */
		MOVING,

		/** No reachable node serves its slot; retried on a back-off timer. */
		UNCOVERED

	}

}
