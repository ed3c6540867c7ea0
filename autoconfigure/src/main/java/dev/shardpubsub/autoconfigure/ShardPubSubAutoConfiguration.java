package dev.shardpubsub.autoconfigure;

import io.lettuce.core.cluster.RedisClusterClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.shardpubsub.node.ClusterClientProvider;
import dev.shardpubsub.node.LettuceNodeSubscriptionClient;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;
import dev.shardpubsub.topology.LettuceClusterTopology;
import dev.shardpubsub.topology.SlotMigrationWatcher;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Auto-configuration for Redis Cluster sharded pub/sub: {@code @ShardListener} methods, the subscriptions that
 * follow slot moves, and the {@link ShardPublisher}.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
@ConditionalOnClass({ RedisClusterClient.class, LettuceConnectionFactory.class })
@ConditionalOnBean(LettuceConnectionFactory.class)
@ConditionalOnBooleanProperty(name = "shard-pubsub.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ShardPubSubProperties.class)
@Import(ShardListenerConfiguration.class)
public final class ShardPubSubAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ClusterClientProvider shardPubSubClusterClientProvider(LettuceConnectionFactory connectionFactory) {
		return new ClusterClientProvider(connectionFactory);
	}

	@Bean
	@ConditionalOnMissingBean
	TopologyWatcher shardTopologyWatcher(ClusterClientProvider clusterClient, ApplicationEventPublisher publisher,
			ShardPubSubProperties properties) {
		return new TopologyWatcher(new LettuceClusterTopology(clusterClient), publisher,
				properties.getTopology().getRefreshPeriod());
	}

	@Bean
	@ConditionalOnMissingBean
	SlotMigrationWatcher shardSlotMigrationWatcher(ClusterClientProvider clusterClient,
			ApplicationEventPublisher publisher, ShardPubSubProperties properties) {
		return new SlotMigrationWatcher(new LettuceClusterTopology(clusterClient), publisher,
				properties.getTopology().getMigrationCheckPeriod());
	}

	@Bean
	@ConditionalOnMissingBean
	NodeSubscriptionClient shardNodeSubscriptionClient(ClusterClientProvider clusterClient,
			ShardPubSubProperties properties) {
		// Credentials and TLS from Boot's configuration: the topology's node URIs carry only host and port.
		LettuceNodeSubscriptionClient client = new LettuceNodeSubscriptionClient(clusterClient,
				(node) -> clusterClient.nodeUri(node.host(), node.port()),
				properties.getReconcile().getCommandTimeout());
		client.setLivenessInterval(properties.getReconcile().getLivenessInterval());
		return client;
	}

	@Bean
	@ConditionalOnMissingBean(ShardSubscriptions.class)
	ShardSubscriptionReconciler shardSubscriptionReconciler(NodeSubscriptionClient nodes, TopologyWatcher topology,
			ApplicationEventPublisher publisher, ShardPubSubProperties properties) {
		ShardPubSubProperties.Reconcile reconcile = properties.getReconcile();
		ExponentialBackOff backOff = new ExponentialBackOff(reconcile.getRetryInitialInterval().toMillis(), 2.0);
		backOff.setMaxInterval(reconcile.getRetryMaxInterval().toMillis());
		ShardSubscriptionReconciler reconciler = new ShardSubscriptionReconciler(nodes, topology, publisher,
				backOff, reconcile.isEnabled(), reconcile.getCommandTimeout());
		reconciler.setKeepConnections(reconcile.isKeepConnections());
		reconciler.setDeduplicationWindow(reconcile.getDeduplicationWindow());
		reconciler.setStandby(reconcile.isEnabled() && reconcile.isStandby());
		return reconciler;
	}

	@Bean
	@ConditionalOnMissingBean
	ShardPublisher shardPublisher(ClusterClientProvider clusterClient,
			ShardListenerMessageHandlerMethodFactory messageHandlerMethodFactory) {
		// The listeners' converter, so what one side writes the other reads.
		return new ShardPublisher(clusterClient,
				messageHandlerMethodFactory.supportsObjectPayloads() ? messageHandlerMethodFactory.getMessageConverter()
						: null);
	}

}
