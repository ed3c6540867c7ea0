package dev.shardpubsub.publish;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.jspecify.annotations.Nullable;

/**
 * A cluster node as the publisher addresses it: host and port, the key of Lettuce's connections for slot routing.
 *
 * @param host the host
 * @param port the port
 */
record PublishNode(String host, int port) {

	/**
	 * The node of a Lettuce partition.
	 * @param node the partition, or {@code null}
	 * @return the node, or {@code null} if there is none or it has no address
	 */
	static @Nullable PublishNode of(@Nullable RedisClusterNode node) {
		RedisURI uri = (node != null) ? node.getUri() : null;
		return (uri != null) ? new PublishNode(uri.getHost(), uri.getPort()) : null;
	}

	@Override
	public String toString() {
		return this.host + ":" + this.port;
	}

}
