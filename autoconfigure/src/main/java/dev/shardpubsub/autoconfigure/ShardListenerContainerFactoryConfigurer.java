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

	private @Nullable ShardPubSubProperties properties;

	private @Nullable Executor executor;

	private @Nullable MessageHandlerMethodFactory messageHandlerMethodFactory;

	private @Nullable ShardListenerErrorHandler errorHandler;

	private @Nullable DispatchListener dispatchListener;

	private @Nullable ObservationRegistry observationRegistry;

	private @Nullable ShardListenerObservationConvention observationConvention;

	void setProperties(@Nullable ShardPubSubProperties properties) {
		this.properties = properties;
	}

	void setExecutor(@Nullable Executor executor) {
		this.executor = executor;
	}

	void setMessageHandlerMethodFactory(@Nullable MessageHandlerMethodFactory messageHandlerMethodFactory) {
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	void setErrorHandler(@Nullable ShardListenerErrorHandler errorHandler) {
		this.errorHandler = errorHandler;
	}

	void setDispatchListener(@Nullable DispatchListener dispatchListener) {
		this.dispatchListener = dispatchListener;
	}

	void setObservationRegistry(@Nullable ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	void setObservationConvention(@Nullable ShardListenerObservationConvention observationConvention) {
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
