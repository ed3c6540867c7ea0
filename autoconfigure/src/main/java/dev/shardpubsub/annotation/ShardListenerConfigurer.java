package dev.shardpubsub.annotation;

import dev.shardpubsub.config.ShardListenerEndpointRegistrar;

/**
 * Implemented by beans that configure {@code @ShardListener} support: register endpoints programmatically, set a
 * custom {@link org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory} or a default
 * error handler. Called once every singleton exists, before the endpoints are registered, in
 * {@link org.springframework.core.Ordered order}.
 */
@FunctionalInterface
public interface ShardListenerConfigurer {

	/**
	 * Configure the registrar.
	 * @param registrar the registrar of the endpoints
	 */
	void configureShardListeners(ShardListenerEndpointRegistrar registrar);

}
