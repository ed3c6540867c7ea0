package dev.shardpubsub.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Marks a method of a bean as the listener of Redis Cluster shard channels (SSUBSCRIBE). The channels are
 * subscribed on the nodes serving their slots, and stay subscribed when slots move.
 * <p>
 * Messages of one channel are handled one at a time, in the order they arrived; different channels concurrently.
 * The method runs on the executor of its {@link #containerFactory() container factory} (by default the
 * {@code shardListenerTaskExecutor}), never on a Redis I/O thread.
 * <p>
 * The method may declare these arguments, in any order:
 * <ul>
 * <li>the payload, as {@code String} (UTF-8), {@code byte[]}, or any other type converted from JSON when Jackson
 * is on the classpath; optionally annotated with
 * {@link org.springframework.messaging.handler.annotation.Payload @Payload}. At most one parameter is the payload;
 * </li>
 * <li>{@link org.springframework.messaging.handler.annotation.Header @Header} parameters, for the
 * {@link dev.shardpubsub.listener.ShardMessageHeaders}: {@code CHANNEL} ({@code String}), {@code SLOT}
 * ({@code int}), {@code NODE} ({@code String}, {@code host:port}) and {@code RECEIVED_TIMESTAMP} ({@code long});
 * </li>
 * <li>a {@link org.springframework.messaging.handler.annotation.Headers @Headers} {@code Map<String, Object>}, or
 * {@link org.springframework.messaging.MessageHeaders}, for all headers;</li>
 * <li>the whole {@link org.springframework.messaging.Message Message&lt;?&gt;}, with a {@code byte[]} payload, or
 * a {@code Message<T>} converted as above.</li>
 * </ul>
 * The signature is checked at startup. The return value is ignored. An exception thrown by the method, or by the
 * conversion of the payload, goes to the {@link #errorHandler() error handler} (by default logged at ERROR); the
 * listener keeps running.
 * <p>
 * The annotation can be repeated, and used as a meta-annotation to make composed annotations.
 *
 * @see ShardListenerConfigurer
 * @see dev.shardpubsub.config.ShardListenerEndpointRegistry
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(ShardListeners.class)
public @interface ShardListener {

	/**
	 * Alias for {@link #channels()}.
	 * @return the channels
	 */
	@AliasFor("channels")
	String[] value() default {};

	/**
	 * The shard channels to listen to. Each element is a channel name, a {@code ${…}} property placeholder or a
	 * SpEL {@code #{…}} expression resolving to a {@code String}, a {@code String[]} or a
	 * {@code Collection<String>}. At least one channel is required; a blank or unresolvable one fails the startup.
	 * @return the channels
	 */
	@AliasFor("value")
	String[] channels() default {};

	/**
	 * The unique id of the listener, under which the endpoint registry holds its container. Placeholders and SpEL
	 * are supported. By default {@code beanName.methodName}, with a numeric suffix if that is taken.
	 * @return the listener id
	 */
	String id() default "";

	/**
	 * Whether the listener starts with the application context: {@code "true"}, {@code "false"}, a placeholder or
	 * a SpEL expression resolving to either. Empty to use {@code shard-pubsub.listener.auto-startup}. A listener
	 * that does not start automatically can be started through the endpoint registry.
	 * @return whether to start automatically
	 */
	String autoStartup() default "";

	/**
	 * The name of the {@link dev.shardpubsub.listener.ShardListenerErrorHandler} bean to call when the method
	 * fails; a placeholder or SpEL expression (which may also resolve to the handler itself) is supported. Empty
	 * for the default error handler.
	 * @return the error handler bean name
	 */
	String errorHandler() default "";

	/**
	 * The name of the {@link dev.shardpubsub.config.ShardListenerContainerFactory} bean that builds this listener's
	 * container, for example one with its own executor (concurrency) or queue capacity; a placeholder or SpEL
	 * expression (which may also resolve to the factory itself) is supported. Empty for the default factory, the
	 * {@code shardListenerContainerFactory} bean.
	 * @return the container factory bean name
	 */
	String containerFactory() default "";

}
