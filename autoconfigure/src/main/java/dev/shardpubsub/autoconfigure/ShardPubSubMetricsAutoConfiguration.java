package dev.shardpubsub.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.metrics.ShardListenerMetrics;
import dev.shardpubsub.metrics.ShardSubscriptionMetrics;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;

/**
 * Micrometer metrics of shard listeners and subscriptions, when a {@link MeterRegistry} is present. Turn single
 * meters off with Boot's {@code management.metrics.enable.shard.pubsub...=false}.
 */
@AutoConfiguration(after = ShardPubSubAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, ShardSubscriptions.class })
@EnableConfigurationProperties(ShardPubSubProperties.class)
public final class ShardPubSubMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ShardSubscriptionMetrics shardSubscriptionMetrics(ShardSubscriptions subscriptions,
			ObjectProvider<NodeSubscriptionClient> nodes, ObjectProvider<ShardSubscriptionReconciler> reconciler) {
		return new ShardSubscriptionMetrics(subscriptions, nodes.getIfUnique(), reconciler.getIfUnique());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ShardListenerEndpointRegistry.class)
	ShardListenerMetrics shardListenerMetrics(ShardListenerEndpointRegistry endpointRegistry,
			ShardPubSubProperties properties) {
		return new ShardListenerMetrics(endpointRegistry, properties.getMetrics().isChannelTags());
	}

}
