package dev.shardpubsub.config;

import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.util.Assert;

import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.LoggingShardListenerErrorHandler;
import dev.shardpubsub.listener.MessagingShardListenerAdapter;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.listener.ShardListenerMethodValidator;
import dev.shardpubsub.listener.ShardListenerObservationConvention;
import dev.shardpubsub.listener.ShardSubscriptions;

/**
 * Builds the {@link ShardListenerContainer} of each {@link ShardListenerEndpoint} from configured parts: the executor
 * that runs the listener methods, the container properties (queue capacity, timeouts, auto-startup), the factory of
 * the method invokers, the default error handler, the dispatch callback for metrics and the observation registry.
 * <p>
 * The auto-configuration provides one, named {@code shardListenerContainerFactory}; a listener can name another with
 * {@code @ShardListener(containerFactory = …)}, for example to have its own concurrency or queue capacity. Configure
 * such a factory like the default one with Spring Boot's {@code ShardListenerContainerFactoryConfigurer}, then
 * change what differs.
 */
public class ShardListenerContainerFactory {

	private final ShardSubscriptions subscriptions;

	private @Nullable Executor executor;

	private ShardListenerContainerProperties containerProperties = ShardListenerContainerProperties.defaults();

	private MessageHandlerMethodFactory messageHandlerMethodFactory;

	private ShardListenerErrorHandler errorHandler = new LoggingShardListenerErrorHandler();

	private DispatchListener dispatchListener = DispatchListener.NONE;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private @Nullable ShardListenerObservationConvention observationConvention;

	/**
	 * Create a factory.
	 * @param subscriptions where the containers subscribe their channels
	 */
	public ShardListenerContainerFactory(ShardSubscriptions subscriptions) {
		Assert.notNull(subscriptions, "subscriptions must not be null");
		this.subscriptions = subscriptions;
		ShardListenerMessageHandlerMethodFactory factory = new ShardListenerMessageHandlerMethodFactory(null);
		factory.afterPropertiesSet();
		this.messageHandlerMethodFactory = factory;
	}

	/**
	 * Set what runs the listener methods (never a Redis I/O thread); required.
	 * @param executor the executor
	 */
	public void setExecutor(Executor executor) {
		Assert.notNull(executor, "executor must not be null");
		this.executor = executor;
	}

	/**
	 * Set the queue capacity, timeouts and default auto-startup of the containers.
	 * @param containerProperties the container properties
	 */
	public void setContainerProperties(ShardListenerContainerProperties containerProperties) {
		Assert.notNull(containerProperties, "containerProperties must not be null");
		this.containerProperties = containerProperties;
	}

	/**
	 * Return the container properties.
	 * @return the container properties
	 */
	public ShardListenerContainerProperties getContainerProperties() {
		return this.containerProperties;
	}

	/**
	 * Set the factory of the method invokers, for endpoints that have none of their own.
	 * @param messageHandlerMethodFactory an initialized factory
	 */
	public void setMessageHandlerMethodFactory(MessageHandlerMethodFactory messageHandlerMethodFactory) {
		Assert.notNull(messageHandlerMethodFactory, "messageHandlerMethodFactory must not be null");
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	/**
	 * Set the error handler of the endpoints that have none of their own.
	 * @param errorHandler the error handler
	 */
	public void setErrorHandler(ShardListenerErrorHandler errorHandler) {
		Assert.notNull(errorHandler, "errorHandler must not be null");
		this.errorHandler = errorHandler;
	}

	/**
	 * Set the callback told about every handled and dropped message, for metrics.
	 * @param dispatchListener the callback
	 */
	public void setDispatchListener(DispatchListener dispatchListener) {
		Assert.notNull(dispatchListener, "dispatchListener must not be null");
		this.dispatchListener = dispatchListener;
	}

	/**
	 * Set the registry that observes each invocation of a listener method.
	 * @param observationRegistry the registry; {@link ObservationRegistry#NOOP} (the default) for none
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		Assert.notNull(observationRegistry, "observationRegistry must not be null");
		this.observationRegistry = observationRegistry;
	}

	/**
	 * Set a convention that replaces the default name and key values of the observation.
	 * @param observationConvention the convention, or {@code null} for the default one
	 */
	public void setObservationConvention(@Nullable ShardListenerObservationConvention observationConvention) {
		this.observationConvention = observationConvention;
	}

	/**
	 * Create the container of an endpoint, not started: its method is checked, its invoker made by the endpoint's
	 * factory or this one's, its failures go to the endpoint's error handler or this one's.
	 * @param endpoint the endpoint
	 * @return the container
	 * @throws IllegalStateException if the method signature is invalid
	 */
	public ShardListenerContainer createListenerContainer(ShardListenerEndpoint endpoint) {
		Assert.notNull(endpoint, "endpoint must not be null");
		Assert.state(this.executor != null, "No executor set");
		MessageHandlerMethodFactory methodFactory = (endpoint.getMessageHandlerMethodFactory() != null)
				? endpoint.getMessageHandlerMethodFactory() : this.messageHandlerMethodFactory;
		Boolean objectPayloads = (methodFactory instanceof ShardListenerMessageHandlerMethodFactory shardFactory)
				? shardFactory.supportsObjectPayloads() : null;
		ShardListenerMethodValidator.validate(endpoint.describe(), endpoint.getMethod(), objectPayloads);
		InvocableHandlerMethod handlerMethod = methodFactory.createInvocableHandlerMethod(endpoint.getBean(),
				endpoint.getMethod());
		ShardListenerErrorHandler errorHandler = (endpoint.getErrorHandler() != null) ? endpoint.getErrorHandler()
				: this.errorHandler;
		MessagingShardListenerAdapter adapter = new MessagingShardListenerAdapter(endpoint.getId(), handlerMethod,
				errorHandler);
		adapter.setObservationRegistry(this.observationRegistry);
		adapter.setObservationConvention(this.observationConvention);
		ShardListenerContainer container = new ShardListenerContainer(endpoint.getId(), endpoint.getChannels(),
				adapter, this.subscriptions, this.executor, this.containerProperties);
		container.setDispatchListener(this.dispatchListener);
		if (endpoint.getAutoStartup() != null) {
			container.setAutoStartup(endpoint.getAutoStartup());
		}
		return container;
	}

}
