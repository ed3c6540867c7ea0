package dev.shardpubsub.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.shardpubsub.config.ClusterModeDisabledException;

/**
 * Explains a start against Redis nodes that are not cluster nodes and names what fixes it.
 */
class ClusterModeDisabledFailureAnalyzer extends AbstractFailureAnalyzer<ClusterModeDisabledException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterModeDisabledException cause) {
		String description = "Shard Pub/Sub (SSUBSCRIBE / SPUBLISH) needs a Redis Cluster, but the Redis node(s) "
				+ "configured in spring.data.redis.cluster.nodes " + cause.getNodes() + " are not cluster nodes: "
				+ "they answered '" + cause.getServerAnswer() + "'.";
		String action = "Point spring.data.redis.cluster.nodes at the nodes of a Redis Cluster (redis-server 7.0 or "
				+ "newer started with 'cluster-enabled yes'), or enable cluster mode on these servers. For a "
				+ "standalone Redis, configure spring.data.redis.host/port instead and set shard-pubsub.enabled=false: "
				+ "sharded pub/sub needs a cluster.";
		return new FailureAnalysis(description, action, cause);
	}

}
