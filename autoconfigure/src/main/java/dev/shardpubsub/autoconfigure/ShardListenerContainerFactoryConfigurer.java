package dev.shardpubsub.autoconfigure;

import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;

import dev.shardpubsub.config.ShardListenerContainerFactory;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerObservationConvention;

/**
 * Configures a {@link ShardListenerContainerFactory} as the auto-configuration configures the default one: the
 * {@code shard-pubsub.listener.*} properties, the listener task executor, the message handler method factory, the
 * error handler, the metrics callback and the observation registry. Inject it to make another factory that
 * differs in a few parts:
 *
 * <pre class="code">
 * &#64;Bean
 * ShardListenerContainerFactory bulkFactory(ShardListenerContainerFactoryConfigurer configurer,
 * 		ShardSubscriptions subscriptions) {
 * 	ShardListenerContainerFactory factory = new ShardListenerContainerFactory(subscriptions);
 * 	configurer.configure(factory);
 * 	factory.setExecutor(bulkExecutor());
 * 	return factory;
 * }
 * </pre>
 */
public final class ShardListenerContainerFactoryConfigurer {

	private final @Nullable ShardPubSubProperties properties;

	private final @Nullable Executor executor;

	private final @Nullable MessageHandlerMethodFactory messageHandlerMethodFactory;

	private final @Nullable ShardListenerErrorHandler errorHandler;

	private final @Nullable DispatchListener dispatchListener;

	private final @Nullable ObservationRegistry observationRegistry;

	private final @Nullable ShardListenerObservationConvention observationConvention;

	ShardListenerContainerFactoryConfigurer(@Nullable ShardPubSubProperties properties, @Nullable Executor executor,
			@Nullable MessageHandlerMethodFactory messageHandlerMethodFactory,
			@Nullable ShardListenerErrorHandler errorHandler, @Nullable DispatchListener dispatchListener,
			@Nullable ObservationRegistry observationRegistry,
			@Nullable ShardListenerObservationConvention observationConvention) {
		this.properties = properties;
		this.executor = executor;
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
		this.errorHandler = errorHandler;
		this.dispatchListener = dispatchListener;
		this.observationRegistry = observationRegistry;
		this.observationConvention = observationConvention;
	}

	/**
	 * Configure the factory with the auto-configured settings.
	 * @param factory the factory to configure
	 */
	public void configure(ShardListenerContainerFactory factory) {
		PropertyMapper map = PropertyMapper.get();
		map.from(this.properties).as(ShardPubSubProperties::getListener).as(this::containerProperties)
			.to(factory::setContainerProperties);
		map.from(this.executor).to(factory::setExecutor);
		map.from(this.messageHandlerMethodFactory).to(factory::setMessageHandlerMethodFactory);
		map.from(this.errorHandler).to(factory::setErrorHandler);
		map.from(this.dispatchListener).to(factory::setDispatchListener);
		map.from(this.observationRegistry).to(factory::setObservationRegistry);
		map.from(this.observationConvention).to(factory::setObservationConvention);
	}

	private ShardListenerContainerProperties containerProperties(ShardPubSubProperties.Listener listener) {
		return new ShardListenerContainerProperties(listener.isAutoStartup(), listener.getQueueCapacity(),
				listener.getShutdownTimeout(), listener.getOverflowLogInterval());
	}

}
