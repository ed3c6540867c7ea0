package dev.shardpubsub.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.LoggingShardListenerErrorHandler;
import dev.shardpubsub.listener.MessagingShardListenerAdapter;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardListenerObservationConvention;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.listener.ShardListenerMethodValidator;
import dev.shardpubsub.listener.ShardSubscriptions;
import org.jspecify.annotations.Nullable;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.util.Assert;

/**
 * Owns the {@link ShardListenerContainer listener containers}, one per endpoint, by listener id, and starts and
 * stops them with the application context. It starts late ({@link #DEFAULT_PHASE}), after the subscriptions are
 * ready and the other beans are started, and stops first, all containers at once.
 * <p>
 * It is also the read API for the state of the subscriptions: {@link #channels()} and {@link #channels(String)}.
 */
public class ShardListenerEndpointRegistry implements SmartLifecycle, DisposableBean {

	/**
	 * The default phase: late start, early stop.
	 */
	public static final int DEFAULT_PHASE = Integer.MAX_VALUE - 100;

	private final ShardSubscriptions subscriptions;

	private final Executor executor;

	private final ShardListenerContainerProperties containerProperties;

	// Registrations in order; guarded by itself
	private final Map<String, Registration> registrations = new LinkedHashMap<>();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private MessageHandlerMethodFactory messageHandlerMethodFactory;

	private ShardListenerErrorHandler errorHandler = new LoggingShardListenerErrorHandler();

	private DispatchListener dispatchListener = DispatchListener.NONE;

	private @Nullable ObservationRegistry observationRegistry;

	private @Nullable ShardListenerObservationConvention observationConvention;

	private int phase = DEFAULT_PHASE;

	private volatile boolean running;

	/**
	 * Create a registry.
	 * @param subscriptions where the containers subscribe their channels
	 * @param executor what handles the messages (never a Redis I/O thread)
	 * @param containerProperties queue capacity, timeouts and default auto-startup of the containers
	 */
	public ShardListenerEndpointRegistry(ShardSubscriptions subscriptions, Executor executor,
			ShardListenerContainerProperties containerProperties) {
		Assert.notNull(subscriptions, "subscriptions must not be null");
		Assert.notNull(executor, "executor must not be null");
		Assert.notNull(containerProperties, "containerProperties must not be null");
		this.subscriptions = subscriptions;
		this.executor = executor;
		this.containerProperties = containerProperties;
		ShardListenerMessageHandlerMethodFactory factory = new ShardListenerMessageHandlerMethodFactory(null);
		factory.afterPropertiesSet();
		this.messageHandlerMethodFactory = factory;
	}

	/**
	 * Return the settings given to every container.
	 * @return the container properties
	 */
	public ShardListenerContainerProperties getContainerProperties() {
		return this.containerProperties;
	}

	/**
	 * Set the default factory of the listener method invokers.
	 * @param messageHandlerMethodFactory the factory; an initialized one
	 */
	public void setMessageHandlerMethodFactory(MessageHandlerMethodFactory messageHandlerMethodFactory) {
		Assert.notNull(messageHandlerMethodFactory, "messageHandlerMethodFactory must not be null");
		this.messageHandlerMethodFactory = messageHandlerMethodFactory;
	}

	/**
	 * Set the default error handler, for endpoints that have none.
	 * @param errorHandler the error handler
	 */
	public void setErrorHandler(ShardListenerErrorHandler errorHandler) {
		Assert.notNull(errorHandler, "errorHandler must not be null");
		this.errorHandler = errorHandler;
	}

	/**
	 * Set the callback given to every container, for metrics.
	 * @param dispatchListener the callback
	 */
	public void setDispatchListener(DispatchListener dispatchListener) {
		Assert.notNull(dispatchListener, "dispatchListener must not be null");
		this.dispatchListener = dispatchListener;
	}

	public void setPhase(int phase) {
		this.phase = phase;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	/**
	 * Create and register the container of an endpoint, with the default factory and error handler; started at once
	 * if the registry is running and the endpoint starts automatically.
	 * @param endpoint the endpoint
	 * @return the container
	 */
	public ShardListenerContainer registerListenerContainer(ShardListenerEndpoint endpoint) {
		return registerListenerContainer(endpoint, null, null);
	}

	/**
	 * Create and register the container of an endpoint; started at once if the registry is running and the
	 * endpoint starts automatically.
	 * @param endpoint the endpoint
	 * @param factory the factory of the method invoker, or {@code null} for the default
	 * @param errorHandler the error handler if the endpoint has none, or {@code null} for the default
	 * @return the container
	 * @throws IllegalStateException if the id is taken or the method signature is invalid
	 */
	public ShardListenerContainer registerListenerContainer(ShardListenerEndpoint endpoint,
			@Nullable MessageHandlerMethodFactory factory, @Nullable ShardListenerErrorHandler errorHandler) {
		Assert.notNull(endpoint, "endpoint must not be null");
		MessageHandlerMethodFactory factoryToUse = (factory != null) ? factory : this.messageHandlerMethodFactory;
		Boolean objectPayloads = (factoryToUse instanceof ShardListenerMessageHandlerMethodFactory shardFactory)
				? shardFactory.supportsObjectPayloads() : null;
		ShardListenerMethodValidator.validate(endpoint.describe(), endpoint.getMethod(), objectPayloads);
		ShardListenerContainer container = createContainer(endpoint, factoryToUse, errorHandler);
		synchronized (this.registrations) {
			Registration existing = this.registrations.get(endpoint.getId());
			Assert.state(existing == null, () -> "Another listener with id '" + endpoint.getId()
					+ "' is already registered: " + existing.description() + "; cannot register "
					+ endpoint.describe());
			this.registrations.put(endpoint.getId(), new Registration(container, endpoint.describe()));
		}
		this.lifecycleLock.lock();
		try {
			if (this.running && container.isAutoStartup()) {
				container.start();
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
		return container;
	}

	private ShardListenerContainer createContainer(ShardListenerEndpoint endpoint, MessageHandlerMethodFactory factory,
			@Nullable ShardListenerErrorHandler errorHandler) {
		InvocableHandlerMethod handlerMethod = factory.createInvocableHandlerMethod(endpoint.getBean(),
				endpoint.getMethod());
		ShardListenerErrorHandler errorHandlerToUse = (endpoint.getErrorHandler() != null) ? endpoint.getErrorHandler()
				: (errorHandler != null) ? errorHandler : this.errorHandler;
		MessagingShardListenerAdapter adapter = new MessagingShardListenerAdapter(endpoint.getId(), handlerMethod,
				errorHandlerToUse);
		ShardListenerContainer container = new ShardListenerContainer(endpoint.getId(), endpoint.getChannels(),
				adapter, this.subscriptions, this.executor, this.containerProperties);
		container.setDispatchListener(this.dispatchListener);
		if (this.observationRegistry != null) {
			adapter.setObservationRegistry(this.observationRegistry);
			adapter.setObservationConvention(this.observationConvention);
		}
		if (endpoint.getAutoStartup() != null) {
			container.setAutoStartup(endpoint.getAutoStartup());
		}
		return container;
	}

	/**
	 * Observe every listener invocation, of the listeners registered so far and of those registered later.
	 * @param observationRegistry the registry
	 * @param convention the convention, or {@code null} for the default one
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry,
			@Nullable ShardListenerObservationConvention convention) {
		synchronized (this.registrations) {
			this.observationRegistry = observationRegistry;
			this.observationConvention = convention;
			for (ShardListenerContainer container : getListenerContainers()) {
				container.getAdapter().setObservationRegistry(observationRegistry);
				container.getAdapter().setObservationConvention(convention);
			}
		}
	}

	/**
	 * Return the container of a listener.
	 * @param id the listener id
	 * @return the container, or {@code null} if there is no such listener
	 */
	public @Nullable ShardListenerContainer getListenerContainer(String id) {
		synchronized (this.registrations) {
			Registration registration = this.registrations.get(id);
			return (registration != null) ? registration.container() : null;
		}
	}

	/**
	 * Return every container, in registration order.
	 * @return the containers
	 */
	public Collection<ShardListenerContainer> getListenerContainers() {
		synchronized (this.registrations) {
			return this.registrations.values().stream().map(Registration::container).toList();
		}
	}

	/**
	 * Return the ids of the listeners.
	 * @return the ids, in registration order
	 */
	public Set<String> getListenerContainerIds() {
		synchronized (this.registrations) {
			return Collections.unmodifiableSet(new LinkedHashSet<>(this.registrations.keySet()));
		}
	}

	/**
	 * Return the state of every subscribed channel.
	 * @return the channels, ordered by name
	 * @see ShardSubscriptions#channels()
	 */
	public List<ChannelSubscription> channels() {
		return this.subscriptions.channels();
	}

	/**
	 * Return the state of the channels of one listener.
	 * @param listenerId the listener id
	 * @return its channels, ordered by name; empty when it is stopped or unknown
	 */
	public List<ChannelSubscription> channels(String listenerId) {
		return this.subscriptions.channels()
			.stream()
			.filter((channel) -> channel.listenerIds().contains(listenerId))
			.toList();
	}

	/**
	 * Return how many messages all listeners dropped because a queue was full.
	 * @return the number of dropped messages
	 */
	public long droppedCount() {
		return getListenerContainers().stream().mapToLong(ShardListenerContainer::droppedCount).sum();
	}

	@Override
	public void start() {
		this.lifecycleLock.lock();
		try {
			for (ShardListenerContainer container : getListenerContainers()) {
				if (container.isAutoStartup()) {
					container.start();
				}
			}
			this.running = true;
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	@Override
	public void stop() {
		this.lifecycleLock.lock();
		try {
			this.running = false;
			ShardListenerContainer.stop(getListenerContainers());
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Stop every container at once, waiting up to the shutdown timeout for their queues to drain, then run the
	 * callback.
	 */
	@Override
	public void stop(Runnable callback) {
		try {
			stop();
		}
		finally {
			callback.run();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() {
		// In case the context never stopped the lifecycle (for example a failed refresh)
		List<ShardListenerContainer> running = new ArrayList<>(getListenerContainers());
		running.removeIf((container) -> !container.isRunning());
		if (!running.isEmpty()) {
			ShardListenerContainer.stop(running);
		}
	}

	private record Registration(ShardListenerContainer container, String description) {
	}

}
