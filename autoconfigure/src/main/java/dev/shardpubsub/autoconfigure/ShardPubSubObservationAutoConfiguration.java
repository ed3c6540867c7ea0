package dev.shardpubsub.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ShardListenerObservationConvention;

/**
 * Observes every message a listener method handles through the {@link ObservationRegistry}, when there is one: a
 * span per message with tracing, a {@code shard.pubsub.listener} timer with metrics. A
 * {@link ShardListenerObservationConvention} bean replaces the default name and key values.
 */
@AutoConfiguration(after = ShardPubSubAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, ShardListenerEndpointRegistry.class })
public final class ShardPubSubObservationAutoConfiguration {

	@Bean
	ListenerObservationInstaller shardListenerObservationInstaller(ShardListenerEndpointRegistry endpointRegistry,
			ObservationRegistry observationRegistry, ObjectProvider<ShardListenerObservationConvention> convention) {
		return new ListenerObservationInstaller(endpointRegistry, observationRegistry, convention.getIfUnique());
	}

	/**
	 * Gives the observation registry to the endpoint registry just before it starts its listeners (it applies it to
	 * listeners registered later too).
	 */
	static final class ListenerObservationInstaller implements SmartLifecycle {

		private final ShardListenerEndpointRegistry endpointRegistry;

		private final ObservationRegistry observationRegistry;

		private final @Nullable ShardListenerObservationConvention convention;

		private volatile boolean running;

		ListenerObservationInstaller(ShardListenerEndpointRegistry endpointRegistry,
				ObservationRegistry observationRegistry, @Nullable ShardListenerObservationConvention convention) {
			this.endpointRegistry = endpointRegistry;
			this.observationRegistry = observationRegistry;
			this.convention = convention;
		}

		@Override
		public void start() {
			this.endpointRegistry.setObservationRegistry(this.observationRegistry, this.convention);
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return this.endpointRegistry.getPhase() - 1;
		}

	}

}
