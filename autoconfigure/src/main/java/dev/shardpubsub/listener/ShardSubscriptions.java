package dev.shardpubsub.listener;

import java.util.Collection;
import java.util.List;

/**
 * The shared set of shard channel subscriptions of this application: every listener container registers its
 * channels here, and each channel is subscribed once on the cluster, however many listeners want it.
 * Subscriptions follow slot moves on their own; listeners never see which node delivers.
 */
public interface ShardSubscriptions {

	/**
	 * Subscribe the given listener to the channels. Returns at once; the subscriptions are made asynchronously,
	 * one SSUBSCRIBE per slot, and retried while a slot is unreachable.
	 * @param listenerId the unique id of the listener
	 * @param channels the shard channels, not empty
	 * @param sink where the messages of these channels go
	 */
	void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink);

	/**
	 * Remove the listener; channels no other listener wants are unsubscribed on the node that holds them.
	 * @param listenerId the id given to {@link #subscribe}
	 */
	void unsubscribe(String listenerId);

	/**
	 * A snapshot of every subscribed channel: its slot, state and holding node.
	 * @return the channel states, ordered by channel name
	 */
	List<ChannelSubscription> channels();

}
