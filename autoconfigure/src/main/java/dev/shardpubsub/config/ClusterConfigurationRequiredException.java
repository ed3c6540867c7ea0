package dev.shardpubsub.config;

/**
 * Sharded pub/sub needs a Redis Cluster, but the Redis connection is configured for something else.
 */
public class ClusterConfigurationRequiredException extends IllegalStateException {

	private final String configured;

	/**
	 * Create an exception.
	 * @param configured what the connection is configured for instead
	 */
	public ClusterConfigurationRequiredException(String configured) {
		super("Sharded pub/sub needs a Redis Cluster, but the Redis connection is configured for " + configured);
		this.configured = configured;
	}

	/**
	 * What the Redis connection is configured for instead of a cluster.
	 * @return a description such as {@code standalone Redis at localhost:6379}
	 */
	public String getConfigured() {
		return this.configured;
	}

}
