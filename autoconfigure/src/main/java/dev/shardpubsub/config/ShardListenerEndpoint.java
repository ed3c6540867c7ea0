package dev.shardpubsub.config;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

import dev.shardpubsub.listener.ListenerMethods;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * A listener to register: a method of a bean, invoked for the messages of some shard channels. Made from each
 * {@code @ShardListener} annotation, or built by a {@code ShardListenerConfigurer}.
 */
public class ShardListenerEndpoint {

	private final String id;

	private final List<String> channels;

	private final Object bean;

	private final Method method;

	private @Nullable String beanName;

	private @Nullable ShardListenerErrorHandler errorHandler;

	private @Nullable Boolean autoStartup;

	private @Nullable MessageHandlerMethodFactory messageHandlerMethodFactory;

	private @Nullable ShardListenerContainerFactory containerFactory;

	/**
	 * Create an endpoint.
	 * @param id the unique id of the listener
	 * @param channels the shard channels, literal names, not empty; duplicates are ignored
	 * @param bean the bean to invoke the method on (possibly a proxy)
	 * @param method the method to invoke, callable on {@code bean}
	 */
	public ShardListenerEndpoint(String id, Collection<String> channels, Object bean, Method method) {
		Assert.hasText(id, "id must not be empty");
		Assert.notEmpty(channels, () -> "Listener '" + id + "' needs at least one channel");
		for (String channel : channels) {
			Assert.isTrue(StringUtils.hasText(channel), () -> "Listener '" + id + "' has a blank channel name");
		}
		Assert.notNull(bean, "bean must not be null");
		Assert.notNull(method, "method must not be null");
		this.id = id;
		this.channels = List.copyOf(new LinkedHashSet<>(channels));
		this.bean = bean;
		this.method = method;
	}

	public String getId() {
		return this.id;
	}

	public List<String> getChannels() {
		return this.channels;
	}

	public Object getBean() {
		return this.bean;
	}

	public Method getMethod() {
		return this.method;
	}

	/**
	 * Set the name of the bean, used in messages.
	 * @param beanName the bean name
	 */
	public void setBeanName(@Nullable String beanName) {
		this.beanName = beanName;
	}

	public @Nullable String getBeanName() {
		return this.beanName;
	}

	/**
	 * Set the error handler of this listener.
	 * @param errorHandler the error handler, or {@code null} for the default one
	 */
	public void setErrorHandler(@Nullable ShardListenerErrorHandler errorHandler) {
		this.errorHandler = errorHandler;
	}

	public @Nullable ShardListenerErrorHandler getErrorHandler() {
		return this.errorHandler;
	}

	/**
	 * Set whether the listener starts with the registry.
	 * @param autoStartup whether to start automatically, or {@code null} for
	 * {@code shard-pubsub.listener.auto-startup}
	 */
	public void setAutoStartup(@Nullable Boolean autoStartup) {
		this.autoStartup = autoStartup;
	}

	public @Nullable Boolean getAutoStartup() {
		return this.autoStartup;
	}

	/**
	 * Set the factory of this listener's method invoker.
	 * @param messageHandlerMethodFactory the factory, or {@code null} for the container factory's
	 */
	public void setMessageHandlerMethodFactory(@Nullable MessageHandlerMethodFactory messageHandlerMethodFactory) {
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	public @Nullable MessageHandlerMethodFactory getMessageHandlerMethodFactory() {
		return this.messageHandlerMethodFactory;
	}

	/**
	 * Set the factory that builds this listener's container.
	 * @param containerFactory the factory, or {@code null} for the registrar's default one
	 */
	public void setContainerFactory(@Nullable ShardListenerContainerFactory containerFactory) {
		this.containerFactory = containerFactory;
	}

	public @Nullable ShardListenerContainerFactory getContainerFactory() {
		return this.containerFactory;
	}

	/**
	 * Describe the endpoint's method for messages, as {@code beanName.method(ParameterTypes)}.
	 * @return the description
	 */
	public String describe() {
		return ListenerMethods.describe((this.beanName != null) ? this.beanName
				: ClassUtils.getShortName(ClassUtils.getUserClass(this.bean)), this.method);
	}

	@Override
	public String toString() {
		return "ShardListenerEndpoint[id=" + this.id + ", channels=" + this.channels + ", method=" + describe() + "]";
	}

}
