package dev.shardpubsub.autoconfigure;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.shardpubsub.listener.FakeShardSubscriptions;

/**
 * What {@link ShardPubSubAutoConfiguration} gives the listener, metrics and endpoint auto-configurations, without
 * Redis: the properties and {@link FakeShardSubscriptions}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShardPubSubProperties.class)
class FakeSubscriptionsConfiguration {

	@Bean
	FakeShardSubscriptions fakeShardSubscriptions() {
		return new FakeShardSubscriptions();
	}

}
