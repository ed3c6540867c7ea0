package dev.shardpubsub.autoconfigure;

import java.util.concurrent.Executor;

import dev.shardpubsub.annotation.ShardListenerAnnotationBeanPostProcessor;
import dev.shardpubsub.config.ShardListenerContainerFactory;
import dev.shardpubsub.config.ShardListenerEndpointRegistrar;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.LoggingShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.listener.ShardListenerObservationConvention;
import dev.shardpubsub.listener.ShardSubscriptions;
import io.micrometer.observation.ObservationRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@code @ShardListener} support: the annotation post-processor, the endpoint registry, the default container
 * factory and what it is configured with (observed when there is an {@link ObservationRegistry}). Imported by
 * {@link ShardPubSubAutoConfiguration}, which provides the {@link ShardSubscriptions} and
 * {@link ShardPubSubProperties}.
 */
@Configuration(proxyBeanMethods = false)
class ShardListenerConfiguration {

	/**
	 * Name of the executor bean that runs the listener methods; define a bean of that name to replace it.
	 */
	static final String TASK_EXECUTOR_BEAN_NAME = "shardListenerTaskExecutor";

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static ShardListenerAnnotationBeanPostProcessor shardListenerAnnotationBeanPostProcessor() {
		return new ShardListenerAnnotationBeanPostProcessor();
	}

	@Bean
	@ConditionalOnMissingBean
	ShardListenerEndpointRegistry shardListenerEndpointRegistry(ShardSubscriptions subscriptions) {
		return new ShardListenerEndpointRegistry(subscriptions);
	}

	@Bean
	@ConditionalOnMissingBean
	ShardListenerContainerFactoryConfigurer shardListenerContainerFactoryConfigurer(ShardPubSubProperties properties,
			@Qualifier(TASK_EXECUTOR_BEAN_NAME) Executor taskExecutor,
			ShardListenerMessageHandlerMethodFactory shardListenerMessageHandlerMethodFactory,
			ObjectProvider<ShardListenerErrorHandler> errorHandler, ObjectProvider<DispatchListener> dispatchListeners,
			ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<ShardListenerObservationConvention> observationConvention) {
		return new ShardListenerContainerFactoryConfigurer(properties, taskExecutor,
				shardListenerMessageHandlerMethodFactory,
				// Several handlers (named ones for single listeners) and no @Primary: the logging one stays the default
				errorHandler.getIfUnique(LoggingShardListenerErrorHandler::new),
				DispatchListener.composite(dispatchListeners.orderedStream().toList()), observationRegistry.getIfUnique(),
				observationConvention.getIfUnique());
	}

	@Bean(name = ShardListenerEndpointRegistrar.DEFAULT_CONTAINER_FACTORY_BEAN_NAME)
	@ConditionalOnMissingBean(name = ShardListenerEndpointRegistrar.DEFAULT_CONTAINER_FACTORY_BEAN_NAME)
	ShardListenerContainerFactory shardListenerContainerFactory(ShardSubscriptions subscriptions,
			ShardListenerContainerFactoryConfigurer configurer) {
		ShardListenerContainerFactory factory = new ShardListenerContainerFactory(subscriptions);
		configurer.configure(factory);
		return factory;
	}

	@Bean
	@ConditionalOnMissingBean
	ShardListenerErrorHandler shardListenerErrorHandler() {
		return new LoggingShardListenerErrorHandler();
	}

	@Bean
	@ConditionalOnMissingBean
	ShardListenerMessageHandlerMethodFactory shardListenerMessageHandlerMethodFactory() {
		return new ShardListenerMessageHandlerMethodFactory(null);
	}

	// Not a default candidate: invisible to injection by type and to @ConditionalOnMissingBean(Executor.class),
	// so it neither replaces Boot's applicationTaskExecutor nor gets picked for @Async.
	@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
	@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)
	@ConditionalOnThreading(Threading.PLATFORM)
	ThreadPoolTaskExecutor shardListenerTaskExecutor(ShardPubSubProperties properties) {
		int concurrency = properties.getListener().getConcurrency();
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(concurrency);
		executor.setMaxPoolSize(concurrency);
		executor.setThreadNamePrefix("shard-listener-");
		return executor;
	}

	@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
	@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)
	@ConditionalOnThreading(Threading.VIRTUAL)
	SimpleAsyncTaskExecutor shardListenerTaskExecutorVirtualThreads() {
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("shard-listener-");
		executor.setVirtualThreads(true);
		return executor;
	}

	/**
	 * Adds JSON payload conversion with the application's {@link JsonMapper}, when there is one.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	static class JacksonConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ShardListenerMessageHandlerMethodFactory shardListenerMessageHandlerMethodFactory(
				ObjectProvider<JsonMapper> jsonMapper) {
			JsonMapper mapper = jsonMapper.getIfUnique();
			return new ShardListenerMessageHandlerMethodFactory(
					(mapper != null) ? new JacksonJsonMessageConverter(mapper) : null);
		}

	}

}
