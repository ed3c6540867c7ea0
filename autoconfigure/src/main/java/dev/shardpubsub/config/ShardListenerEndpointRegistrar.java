package dev.shardpubsub.config;

import java.util.ArrayList;
import java.util.List;

import dev.shardpubsub.listener.ShardListenerErrorHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.util.Assert;

/**
 * Collects the {@link ShardListenerEndpoint endpoints} found by the annotation post-processor or added by
 * {@code ShardListenerConfigurer}s, then registers them all with the {@link ShardListenerEndpointRegistry} once
 * every singleton exists.
 */
public class ShardListenerEndpointRegistrar {

	private final List<ShardListenerEndpoint> endpoints = new ArrayList<>();

	private @Nullable ShardListenerEndpointRegistry endpointRegistry;

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
	 * Set the factory of the invokers of the listener methods, to support other arguments or conversions; by
	 * default the registry's ({@code byte[]}, {@code String}, and JSON when Jackson is present).
	 * @param messageHandlerMethodFactory the factory
	 */
	public void setMessageHandlerMethodFactory(@Nullable MessageHandlerMethodFactory messageHandlerMethodFactory) {
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	public @Nullable MessageHandlerMethodFactory getMessageHandlerMethodFactory() {
		return this.messageHandlerMethodFactory;
	}

	/**
	 * Set the error handler of the endpoints that have none of their own; by default the registry's.
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
				this.endpointRegistry.registerListenerContainer(endpoint, this.messageHandlerMethodFactory,
						this.errorHandler);
			}
			this.endpoints.clear();
		}
	}

}
