package dev.shardpubsub.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;

/**
 * The {@code shardsubscriptions} Actuator endpoint, when Actuator is present and the endpoint is available (enabled
 * and exposed, e.g. {@code management.endpoints.web.exposure.include=health,shardsubscriptions}).
 */
@AutoConfiguration(after = ShardPubSubAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(ShardSubscriptions.class)
@ConditionalOnAvailableEndpoint(ShardSubscriptionsEndpoint.class)
public final class ShardSubscriptionsEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ShardSubscriptionsEndpoint shardSubscriptionsEndpoint(ShardSubscriptions subscriptions,
			ObjectProvider<ShardListenerEndpointRegistry> registry,
			ObjectProvider<ShardSubscriptionReconciler> reconciler) {
		return new ShardSubscriptionsEndpoint(subscriptions, registry.getIfUnique(), reconciler.getIfUnique());
	}

}
