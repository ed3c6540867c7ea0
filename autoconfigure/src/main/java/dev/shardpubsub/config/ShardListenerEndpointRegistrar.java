package dev.shardpubsub.config;

import java.util.ArrayList;
import java.util.List;

import dev.shardpubsub.listener.ShardListenerErrorHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.util.Assert;

/**
 * Collects the {@link ShardListenerEndpoint endpoints} found by the annotation post-processor or added by
 * {@code ShardListenerConfigurer}s, then registers them all with the {@link ShardListenerEndpointRegistry} once
 * every singleton exists, each with its own {@link ShardListenerContainerFactory} or the default one.
 */
public class ShardListenerEndpointRegistrar {

	/**
	 * The name of the default container factory bean, used unless a factory is set.
	 */
	public static final String DEFAULT_CONTAINER_FACTORY_BEAN_NAME = "shardListenerContainerFactory";

	private final List<ShardListenerEndpoint> endpoints = new ArrayList<>();

	private @Nullable ShardListenerEndpointRegistry endpointRegistry;

	private @Nullable ShardListenerContainerFactory containerFactory;

	private @Nullable BeanFactory beanFactory;

	private @Nullable MessageHandlerMethodFactory messageHandlerMethodFactory;

	private @Nullable ShardListenerErrorHandler errorHandler;

	/**
	 * Add an endpoint, registered with the others.
	 * @param endpoint the endpoint
	 */
	public void registerEndpoint(ShardListenerEndpoint endpoint) {
		Assert.notNull(endpoint, "endpoint must not be null");
		synchronized (this.endpoints) {
			this.endpoints.add(endpoint);
		}
	}

	/**
	 * Return the endpoints collected so far.
	 * @return the endpoints, in registration order
	 */
	public List<ShardListenerEndpoint> getEndpoints() {
		synchronized (this.endpoints) {
			return List.copyOf(this.endpoints);
		}
	}

	/**
	 * Set the registry to register the endpoints with.
	 * @param endpointRegistry the registry
	 */
	public void setEndpointRegistry(@Nullable ShardListenerEndpointRegistry endpointRegistry) {
		this.endpointRegistry = endpointRegistry;
	}

	public @Nullable ShardListenerEndpointRegistry getEndpointRegistry() {
		return this.endpointRegistry;
	}

	/**
	 * Set the container factory of the endpoints that name none; by default the bean named
	 * {@value #DEFAULT_CONTAINER_FACTORY_BEAN_NAME}.
	 * @param containerFactory the factory
	 */
	public void setContainerFactory(@Nullable ShardListenerContainerFactory containerFactory) {
		this.containerFactory = containerFactory;
	}

	/**
	 * Set the bean factory to look the default container factory up in.
	 * @param beanFactory the bean factory
	 */
	public void setBeanFactory(@Nullable BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Set the factory of the invokers of the listener methods, to support other arguments or conversions; by
	 * default the container factory's ({@code byte[]}, {@code String}, and JSON when Jackson is present).
	 * @param messageHandlerMethodFactory the factory
	 */
	public void setMessageHandlerMethodFactory(@Nullable MessageHandlerMethodFactory messageHandlerMethodFactory) {
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	public @Nullable MessageHandlerMethodFactory getMessageHandlerMethodFactory() {
		return this.messageHandlerMethodFactory;
	}

	/**
	 * Set the error handler of the endpoints that have none of their own; by default the container factory's.
	 * @param errorHandler the error handler
	 */
	public void setErrorHandler(@Nullable ShardListenerErrorHandler errorHandler) {
		this.errorHandler = errorHandler;
	}

	public @Nullable ShardListenerErrorHandler getErrorHandler() {
		return this.errorHandler;
	}

	/**
	 * Register every collected endpoint with the registry, and forget them; endpoints added later are registered
	 * at the next call.
	 * @throws IllegalStateException if no registry is set, an id is taken or a method signature is invalid
	 */
	public void registerEndpoints() {
		Assert.state(this.endpointRegistry != null, "No ShardListenerEndpointRegistry set");
		synchronized (this.endpoints) {
			for (ShardListenerEndpoint endpoint : this.endpoints) {
				if (endpoint.getMessageHandlerMethodFactory() == null) {
					endpoint.setMessageHandlerMethodFactory(this.messageHandlerMethodFactory);
				}
				if (endpoint.getErrorHandler() == null) {
					endpoint.setErrorHandler(this.errorHandler);
				}
				ShardListenerContainerFactory factory = (endpoint.getContainerFactory() != null)
						? endpoint.getContainerFactory() : defaultContainerFactory();
				this.endpointRegistry.registerListenerContainer(endpoint, factory);
			}
			this.endpoints.clear();
		}
	}

	private ShardListenerContainerFactory defaultContainerFactory() {
		if (this.containerFactory == null) {
			Assert.state(this.beanFactory != null, () -> "No ShardListenerContainerFactory set, and no BeanFactory "
					+ "to find the '" + DEFAULT_CONTAINER_FACTORY_BEAN_NAME + "' bean in");
			this.containerFactory = this.beanFactory.getBean(DEFAULT_CONTAINER_FACTORY_BEAN_NAME,
					ShardListenerContainerFactory.class);
		}
		return this.containerFactory;
	}

}
