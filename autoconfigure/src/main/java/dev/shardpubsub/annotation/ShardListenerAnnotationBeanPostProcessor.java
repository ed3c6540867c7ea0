package dev.shardpubsub.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.shardpubsub.config.ShardListenerContainerFactory;
import dev.shardpubsub.config.ShardListenerEndpoint;
import dev.shardpubsub.config.ShardListenerEndpointRegistrar;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.beans.factory.config.BeanExpressionResolver;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Finds the {@link ShardListener @ShardListener} methods of every bean and turns each annotation into a
 * {@link ShardListenerEndpoint}: channels, id, auto-startup, error handler and container factory resolved from
 * placeholders and SpEL.
 * Once every singleton exists, it applies the {@link ShardListenerConfigurer} beans and registers the endpoints
 * with the {@link ShardListenerEndpointRegistry} bean. Any invalid attribute or signature fails the startup with a
 * message naming the bean and the method.
 */
public class ShardListenerAnnotationBeanPostProcessor
		implements BeanPostProcessor, BeanFactoryAware, SmartInitializingSingleton, Ordered {

	private final ShardListenerEndpointRegistrar registrar = new ShardListenerEndpointRegistrar();

	private final Set<Class<?>> nonAnnotatedClasses = Collections.newSetFromMap(new ConcurrentHashMap<>(64));

	private final Set<String> generatedIds = new HashSet<>();

	private @Nullable ShardListenerEndpointRegistry endpointRegistry;

	private @Nullable BeanFactory beanFactory;

	private @Nullable BeanExpressionResolver expressionResolver;

	private @Nullable BeanExpressionContext expressionContext;

	// Set once the singletons are registered: endpoints of beans created later (lazy, prototype) register at once
	private volatile boolean registered;

	/**
	 * Set the registry to register the endpoints with; by default the {@link ShardListenerEndpointRegistry} bean.
	 * @param endpointRegistry the registry
	 */
	public void setEndpointRegistry(ShardListenerEndpointRegistry endpointRegistry) {
		this.endpointRegistry = endpointRegistry;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
		this.registrar.setBeanFactory(beanFactory);
		if (beanFactory instanceof ConfigurableBeanFactory configurable) {
			this.expressionResolver = configurable.getBeanExpressionResolver();
			this.expressionContext = new BeanExpressionContext(configurable, null);
		}
	}

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof AopInfrastructureBean || bean instanceof ShardListenerEndpointRegistry) {
			return bean;
		}
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		if (this.nonAnnotatedClasses.contains(targetClass)
				|| !AnnotationUtils.isCandidateClass(targetClass, ShardListener.class)) {
			return bean;
		}
		Map<Method, Set<ShardListener>> annotatedMethods = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<Set<ShardListener>>) (method) -> {
					Set<ShardListener> listeners = AnnotatedElementUtils.findMergedRepeatableAnnotations(method,
							ShardListener.class, ShardListeners.class);
					return (!listeners.isEmpty()) ? listeners : null;
				});
		if (annotatedMethods.isEmpty()) {
			this.nonAnnotatedClasses.add(targetClass);
			return bean;
		}
		annotatedMethods.forEach((method, listeners) -> listeners
			.forEach((listener) -> this.registrar.registerEndpoint(createEndpoint(listener, method, bean, beanName))));
		if (this.registered) {
			registerEndpoints();
		}
		return bean;
	}

	private ShardListenerEndpoint createEndpoint(ShardListener listener, Method method, Object bean, String beanName) {
		String description = beanName + "." + method.getName();
		Method invocableMethod;
		try {
			invocableMethod = AopUtils.selectInvocableMethod(method, bean.getClass());
		}
		catch (IllegalStateException ex) {
			throw invalid(description, "it cannot be invoked on the bean's proxy: " + ex.getMessage(), ex);
		}
		String id = resolveId(listener, description);
		ShardListenerEndpoint endpoint = new ShardListenerEndpoint(id, resolveChannels(listener, description), bean,
				invocableMethod);
		endpoint.setBeanName(beanName);
		endpoint.setAutoStartup(resolveAutoStartup(listener, description));
		endpoint.setErrorHandler(resolveBean(listener.errorHandler(), "errorHandler", ShardListenerErrorHandler.class,
				description));
		endpoint.setContainerFactory(resolveBean(listener.containerFactory(), "containerFactory",
				ShardListenerContainerFactory.class, description));
		return endpoint;
	}

	private String resolveId(ShardListener listener, String description) {
		Object id = resolve(listener.id(), description, "id");
		if (id != null && StringUtils.hasText(id.toString())) {
			return id.toString();
		}
		// Repeated annotations and overloads share a name: suffix them
		synchronized (this.generatedIds) {
			String candidate = description;
			for (int i = 1; !this.generatedIds.add(candidate); i++) {
				candidate = description + "#" + i;
			}
			return candidate;
		}
	}

	private List<String> resolveChannels(ShardListener listener, String description) {
		List<String> channels = new ArrayList<>();
		for (String channel : listener.channels()) {
			addChannels(channels, resolve(channel, description, "channel '" + channel + "'"), channel, description);
		}
		if (channels.isEmpty()) {
			throw invalid(description, "no channels; set channels (or value)", null);
		}
		return channels;
	}

	private void addChannels(List<String> channels, @Nullable Object value, String expression, String description) {
		if (value instanceof String channel) {
			if (!StringUtils.hasText(channel)) {
				throw invalid(description, "channel '" + expression + "' is blank", null);
			}
			channels.add(channel);
		}
		else if (value instanceof String[] array) {
			for (String element : array) {
				addChannels(channels, element, expression, description);
			}
		}
		else if (value instanceof Collection<?> collection) {
			for (Object element : collection) {
				if (!(element instanceof String)) {
					throw invalid(description, "channel '" + expression + "' resolved to a collection holding "
							+ typeOf(element) + "; expected String elements", null);
				}
				addChannels(channels, element, expression, description);
			}
		}
		else {
			throw invalid(description, "channel '" + expression + "' resolved to " + typeOf(value)
					+ "; expected a String, String[] or Collection<String>", null);
		}
	}

	private @Nullable Boolean resolveAutoStartup(ShardListener listener, String description) {
		Object value = resolve(listener.autoStartup(), description, "autoStartup");
		if (value instanceof Boolean bool) {
			return bool;
		}
		if (value == null || !StringUtils.hasText(value.toString())) {
			return null;
		}
		String text = value.toString().trim();
		if (!"true".equalsIgnoreCase(text) && !"false".equalsIgnoreCase(text)) {
			throw invalid(description, "autoStartup '" + listener.autoStartup() + "' resolved to '" + text
					+ "'; expected true or false", null);
		}
		return Boolean.valueOf(text);
	}

	private <T> @Nullable T resolveBean(String expression, String attribute, Class<T> type, String description) {
		Object value = resolve(expression, description, attribute);
		if (type.isInstance(value)) {
			return type.cast(value);
		}
		if (value == null || !StringUtils.hasText(value.toString())) {
			return null;
		}
		Assert.state(this.beanFactory != null, () -> "BeanFactory must be set to look up " + attribute + " beans");
		try {
			return this.beanFactory.getBean(value.toString(), type);
		}
		catch (BeansException ex) {
			throw invalid(description, attribute + " '" + value + "' is not a " + type.getSimpleName() + " bean: "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * Resolve placeholders, then evaluate SpEL.
	 */
	private @Nullable Object resolve(String value, String description, String attribute) {
		if (!StringUtils.hasLength(value) || !(this.beanFactory instanceof ConfigurableBeanFactory configurable)) {
			return value;
		}
		String resolved;
		try {
			resolved = configurable.resolveEmbeddedValue(value);
		}
		catch (RuntimeException ex) {
			throw invalid(description, attribute + ": " + ex.getMessage(), ex);
		}
		// Without a strict placeholder configurer an unresolvable placeholder is left as is
		if (resolved != null && resolved.contains("${")) {
			throw invalid(description, attribute + " has an unresolvable placeholder: '" + resolved + "'", null);
		}
		if (resolved == null || this.expressionResolver == null || this.expressionContext == null) {
			return resolved;
		}
		try {
			return this.expressionResolver.evaluate(resolved, this.expressionContext);
		}
		catch (RuntimeException ex) {
			throw invalid(description, attribute + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.nonAnnotatedClasses.clear();
		Assert.state(this.beanFactory != null, "BeanFactory must be set");
		if (this.beanFactory instanceof ListableBeanFactory listable) {
			List<ShardListenerConfigurer> configurers = new ArrayList<>(
					listable.getBeansOfType(ShardListenerConfigurer.class).values());
			AnnotationAwareOrderComparator.sort(configurers);
			configurers.forEach((configurer) -> configurer.configureShardListeners(this.registrar));
		}
		this.registered = true;
		registerEndpoints();
	}

	private void registerEndpoints() {
		// Looked up only when needed: an application without listeners needs no registry
		if (this.registrar.getEndpoints().isEmpty()) {
			return;
		}
		if (this.registrar.getEndpointRegistry() == null) {
			Assert.state(this.beanFactory != null, "BeanFactory must be set");
			this.registrar.setEndpointRegistry((this.endpointRegistry != null) ? this.endpointRegistry
					: this.beanFactory.getBean(ShardListenerEndpointRegistry.class));
		}
		this.registrar.registerEndpoints();
	}

	private static String typeOf(@Nullable Object value) {
		return (value != null) ? "a " + value.getClass().getName() : "null";
	}

	private static BeanInitializationException invalid(String description, String reason, @Nullable Throwable cause) {
		String message = "Invalid @ShardListener on " + description + ": " + reason;
		return (cause != null) ? new BeanInitializationException(message, cause)
				: new BeanInitializationException(message);
	}

}
