package dev.shardpubsub.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.health.ShardPubSubHealthIndicator;
import dev.shardpubsub.listener.ShardSubscriptions;

/**
 * The {@code shardPubSub} health indicator, when Spring Boot's health support is present; off with
 * {@code management.health.shard-pub-sub.enabled=false}.
 */
@AutoConfiguration(after = ShardPubSubAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(ShardSubscriptions.class)
@ConditionalOnEnabledHealthIndicator("shard-pub-sub")
@EnableConfigurationProperties(ShardPubSubProperties.class)
public final class ShardPubSubHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "shardPubSubHealthIndicator")
	ShardPubSubHealthIndicator shardPubSubHealthIndicator(ShardSubscriptions subscriptions,
			ShardPubSubProperties properties) {
		return new ShardPubSubHealthIndicator(subscriptions, properties.getHealth().getGracePeriod());
	}

}
