package dev.shardpubsub.node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;

import org.springframework.data.redis.connection.NamedNode;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.StringUtils;

import dev.shardpubsub.config.ClusterAuthenticationException;
import dev.shardpubsub.config.ClusterConfigurationRequiredException;
import dev.shardpubsub.config.ClusterModeDisabledException;

/**
 * The Lettuce {@link RedisClusterClient} behind Spring Boot's {@link LettuceConnectionFactory}, so that its
 * credentials, TLS, timeouts and client resources apply to shard subscriptions too.
 * <p>
 * The first {@link #get()} loads the cluster topology, and turns the configuration mistakes a user can fix into
 * exceptions that say what to fix: nodes that are not cluster nodes ({@link ClusterModeDisabledException}) and
 * refused credentials ({@link ClusterAuthenticationException}).
 */
public class ClusterClientProvider implements Supplier<RedisClusterClient> {

	private static final String CLUSTER_DISABLED = "ERR This instance has cluster support disabled";

	private final LettuceConnectionFactory connectionFactory;

	private volatile boolean topologyLoaded;

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
			if (!this.topologyLoaded) {
				loadTopology(cluster);
			}
			return cluster;
		}
		throw new ClusterConfigurationRequiredException(describe(this.connectionFactory));
	}

	/**
	 * Connection settings for one cluster node: credentials, TLS and timeout, made the way Spring Data Redis makes
	 * the cluster client's seed URIs. Lettuce connects to every node with its first seed's settings; the URIs in its
	 * {@code Partitions} carry only host and port.
	 * @param host the node's host
	 * @param port the node's port
	 * @return a URI with the configured credentials and TLS settings
	 */
	public RedisURI nodeUri(String host, int port) {
		RedisClusterConfiguration configuration = this.connectionFactory.getClusterConfiguration();
		LettuceClientConfiguration client = this.connectionFactory.getClientConfiguration();
		RedisURI.Builder builder = RedisURI.Builder.redis(host, port);
		if (configuration != null) {
			String username = configuration.getUsername();
			if (StringUtils.hasText(username)) {
				builder.withAuthentication(username,
						new String(configuration.getPassword().toOptional().orElse(new char[0])));
			}
			else {
				configuration.getPassword().toOptional().ifPresent(builder::withPassword);
			}
			client.getRedisCredentialsProviderFactory()
				.ifPresent((factory) -> builder.withAuthentication(factory.createCredentialsProvider(configuration)));
		}
		return builder.withSsl(client.isUseSsl())
			.withVerifyPeer(client.getVerifyMode())
			.withStartTls(client.isStartTls())
			.withTimeout(client.getCommandTimeout())
			.build();
	}

	private void loadTopology(RedisClusterClient cluster) {
		try {
			cluster.getPartitions();
			this.topologyLoaded = true;
		}
		catch (RuntimeException ex) {
			throw explain(ex);
		}
	}

	private RuntimeException explain(RuntimeException failure) {
		List<String> answers = serverAnswers(failure);
		RedisClusterConfiguration configuration = this.connectionFactory.getClusterConfiguration();
		List<String> nodes = (configuration != null)
				? configuration.getClusterNodes().stream().map((node) -> node.getHost() + ":" + node.getPort()).toList()
				: List.of();
		for (String answer : answers) {
			if (answer.startsWith(CLUSTER_DISABLED)) {
				return new ClusterModeDisabledException(nodes, answer, failure);
			}
		}
		for (String answer : answers) {
			String upper = answer.toUpperCase(Locale.ROOT);
			if (upper.startsWith("WRONGPASS") || upper.startsWith("NOAUTH")
					|| upper.contains("INVALID USERNAME-PASSWORD")) {
				return new ClusterAuthenticationException(nodes,
						(configuration != null) ? configuration.getUsername() : null, answer, failure);
			}
		}
		return failure;
	}

	/** The error replies of every seed node, found among the causes and suppressed exceptions Lettuce nests. */
	private static List<String> serverAnswers(Throwable failure) {
		List<String> answers = new ArrayList<>();
		Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
		List<Throwable> pending = new ArrayList<>(List.of(failure));
		while (!pending.isEmpty()) {
			Throwable current = pending.remove(pending.size() - 1);
			if (current == null || !seen.add(current)) {
				continue;
			}
			if (current instanceof RedisCommandExecutionException && current.getMessage() != null) {
				answers.add(current.getMessage());
			}
			pending.add(current.getCause());
			pending.addAll(List.of(current.getSuppressed()));
		}
		return answers;
	}

	private static String describe(LettuceConnectionFactory factory) {
		if (factory.isRedisSentinelAware()) {
			RedisSentinelConfiguration sentinel = factory.getSentinelConfiguration();
			NamedNode master = (sentinel != null) ? sentinel.getMaster() : null;
			return "Redis Sentinel (" + ((master != null) ? master.getName() : "no master name") + ")";
		}
		return "standalone Redis at " + factory.getHostName() + ":" + factory.getPort();
	}

}
