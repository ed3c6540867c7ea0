package dev.shardpubsub.config;

import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.cluster.RedisClusterClient;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The Lettuce {@link RedisClusterClient} behind Spring Boot's {@link LettuceConnectionFactory}, so that its
 * credentials, TLS, timeouts and client resources apply to shard subscriptions too.
 */
public class ClusterClientProvider implements Supplier<RedisClusterClient> {

	private final LettuceConnectionFactory connectionFactory;

	/**
	 * Create a provider.
	 * @param connectionFactory the connection factory, configured for a cluster
	 * @throws ClusterConfigurationRequiredException when the factory is not configured for a Redis Cluster
	 */
	public ClusterClientProvider(LettuceConnectionFactory connectionFactory) {
		if (!connectionFactory.isClusterAware()) {
			throw new ClusterConfigurationRequiredException(describe(connectionFactory));
		}
		this.connectionFactory = connectionFactory;
	}

	@Override
	public RedisClusterClient get() {
		if (!this.connectionFactory.isRunning()) {
			this.connectionFactory.start();
		}
		AbstractRedisClient client = this.connectionFactory.getRequiredNativeClient();
		if (client instanceof RedisClusterClient cluster) {
			return cluster;
		}
		throw new ClusterConfigurationRequiredException(describe(this.connectionFactory));
	}

	private static String describe(LettuceConnectionFactory factory) {
		if (factory.isRedisSentinelAware()) {
			return "Redis Sentinel (" + factory.getSentinelConfiguration().getMaster().getName() + ")";
		}
		return "standalone Redis at " + factory.getHostName() + ":" + factory.getPort();
	}

}
