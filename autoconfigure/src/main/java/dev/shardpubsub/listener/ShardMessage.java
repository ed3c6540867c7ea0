package dev.shardpubsub.listener;

import java.util.Objects;

/**
 * One sharded pub/sub message as it arrived from the cluster.
 *
 * @param channel the shard channel the message was published to
 * @param payload the raw payload bytes, never {@code null}
 * @param slot the hash slot of the channel
 * @param node the node that delivered the message, as {@code host:port}
 */
public record ShardMessage(String channel, byte[] payload, int slot, String node) {

	public ShardMessage {
		Objects.requireNonNull(channel, "channel must not be null");
		Objects.requireNonNull(payload, "payload must not be null");
	}

	@Override
	public String toString() {
		return "ShardMessage[channel=" + this.channel + ", slot=" + this.slot + ", node=" + this.node + ", "
				+ this.payload.length + " bytes]";
	}

}
