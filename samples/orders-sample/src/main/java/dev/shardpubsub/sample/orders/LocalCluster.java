package dev.shardpubsub.sample.orders;

import java.util.Arrays;

import dev.shardpubsub.test.EmbeddedRedisCluster;

/**
 * Starts an embedded cluster when the application is not pointed at one.
 */
final class LocalCluster {

	static final String NODES_PROPERTY = "spring.data.redis.cluster.nodes";

	private static volatile EmbeddedRedisCluster cluster;

	private LocalCluster() {
	}

	static void startUnlessConfigured(String[] args) {
		boolean configured = System.getProperty(NODES_PROPERTY) != null
				|| System.getenv("SPRING_DATA_REDIS_CLUSTER_NODES") != null
				|| Arrays.stream(args).anyMatch((arg) -> arg.startsWith("--" + NODES_PROPERTY + "="));
		if (configured) {
			return;
		}
		cluster = EmbeddedRedisCluster.builder().masters(3).replicasPerMaster(1).start();
		System.setProperty(NODES_PROPERTY, cluster.nodesProperty());
		System.out.println("Started a local Redis Cluster: " + cluster.nodesProperty());
	}

	/**
	 * The local cluster, or {@code null} when the application uses one of its own.
	 */
	static EmbeddedRedisCluster get() {
		return cluster;
	}

}
