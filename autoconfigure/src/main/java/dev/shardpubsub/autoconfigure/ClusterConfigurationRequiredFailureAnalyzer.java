package dev.shardpubsub.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.shardpubsub.config.ClusterConfigurationRequiredException;

/**
 * Explains a start without a Redis Cluster configuration and names the property that fixes it.
 */
class ClusterConfigurationRequiredFailureAnalyzer
		extends AbstractFailureAnalyzer<ClusterConfigurationRequiredException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterConfigurationRequiredException cause) {
		String description = "Shard Pub/Sub (SSUBSCRIBE / SPUBLISH) needs a Redis Cluster, but the Redis connection "
				+ "is configured for " + cause.getConfigured() + ".";
		String action = "Set spring.data.redis.cluster.nodes to the host:port of one or more cluster nodes "
				+ "(for example spring.data.redis.cluster.nodes=10.0.0.1:7000,10.0.0.2:7000), or set "
				+ "shard-pubsub.enabled=false to turn sharded pub/sub off.";
		return new FailureAnalysis(description, action, cause);
	}

}
