package dev.shardpubsub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.annotation.ShardListenerAnnotationBeanPostProcessor;
import dev.shardpubsub.config.ShardListenerContainerFactory;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.FakeShardSubscriptions;
import dev.shardpubsub.listener.LoggingShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.listener.ShardSubscriptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ShardListenerConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShardListenerConfigurationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	// Registered after the user's beans, as ShardPubSubAutoConfiguration imports it
	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(FakeSubscriptionsConfiguration.class)
		.withConfiguration(AutoConfigurations.of(ShardListenerConfiguration.class));

	@Test
	void runShouldCreateListenerInfrastructure() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ShardListenerAnnotationBeanPostProcessor.class);
			assertThat(context).hasSingleBean(ShardListenerEndpointRegistry.class);
			assertThat(context).hasSingleBean(ShardListenerMessageHandlerMethodFactory.class);
			assertThat(context).getBean(ShardListenerErrorHandler.class)
				.isInstanceOf(LoggingShardListenerErrorHandler.class);
			assertThat(context.getBeanFactory().getBeanDefinition("shardListenerAnnotationBeanPostProcessor").getRole())
				.isEqualTo(BeanDefinition.ROLE_INFRASTRUCTURE);
			ThreadPoolTaskExecutor executor = context.getBean("shardListenerTaskExecutor",
					ThreadPoolTaskExecutor.class);
			assertThat(executor.getCorePoolSize()).isEqualTo(8);
			assertThat(executor.getMaxPoolSize()).isEqualTo(8);
			assertThat(executor.getThreadNamePrefix()).isEqualTo("shard-listener-");
			assertThat(context.getBean(ShardListenerContainerFactory.class).getContainerProperties())
				.isEqualTo(ShardListenerContainerProperties.defaults());
		});
	}

	@Test
	void runShouldApplyListenerProperties() {
		this.runner
			.withPropertyValues("shard-pubsub.listener.concurrency=3", "shard-pubsub.listener.queue-capacity=5",
					"shard-pubsub.listener.shutdown-timeout=2s", "shard-pubsub.listener.overflow-log-interval=1m",
					"shard-pubsub.listener.auto-startup=false")
			.run((context) -> {
				assertThat(context.getBean("shardListenerTaskExecutor", ThreadPoolTaskExecutor.class)
					.getCorePoolSize()).isEqualTo(3);
				assertThat(context.getBean(ShardListenerContainerFactory.class).getContainerProperties()).isEqualTo(
						new ShardListenerContainerProperties(false, 5, Duration.ofSeconds(2), Duration.ofMinutes(1)));
			});
	}

	@Test
	void runWithAFactoryFromTheConfigurerShouldBuildTheListenersThatNameIt() {
		this.runner.withBean("text", TextListener.class)
			.withBean("bulk", BulkListener.class)
			.withUserConfiguration(BulkFactoryConfiguration.class)
			.run((context) -> {
				ShardListenerEndpointRegistry registry = context.getBean(ShardListenerEndpointRegistry.class);
				assertThat(registry.getListenerContainer("bulk.on").getContainerProperties().queueCapacity())
					.isEqualTo(2);
				assertThat(registry.getListenerContainer("text.on").getContainerProperties())
					.isEqualTo(ShardListenerContainerProperties.defaults());
				context.getBean(FakeShardSubscriptions.class).publish("bulk", "one");
				await().atMost(TIMEOUT).until(() -> context.getBean(BulkListener.class).received.size() == 1);
				assertThat(context.getBean(BulkListener.class).threads).allMatch((name) -> name.startsWith("bulk-"));
			});
	}

	@Test
	void runShouldGiveTheConfigurerToFactoriesOfTheirOwn() {
		this.runner.withPropertyValues("shard-pubsub.listener.queue-capacity=5").run((context) -> {
			ShardListenerContainerFactory factory = new ShardListenerContainerFactory(
					context.getBean(FakeShardSubscriptions.class));
			context.getBean(ShardListenerContainerFactoryConfigurer.class).configure(factory);
			assertThat(factory.getContainerProperties()).isEqualTo(
					context.getBean("shardListenerContainerFactory", ShardListenerContainerFactory.class)
						.getContainerProperties());
			assertThat(factory.getContainerProperties().queueCapacity()).isEqualTo(5);
		});
	}

	@Test
	void runWithoutAutoStartupShouldLeaveListenersStopped() {
		this.runner.withBean("text", TextListener.class)
			.withPropertyValues("shard-pubsub.listener.auto-startup=false")
			.run((context) -> {
				ShardListenerEndpointRegistry registry = context.getBean(ShardListenerEndpointRegistry.class);
				assertThat(registry.isRunning()).isTrue();
				assertThat(registry.getListenerContainer("text.on").isRunning()).isFalse();
			});
	}

	@Test
	void runWithJsonMapperShouldConvertJsonPayloadsOnListenerThreads() {
		this.runner.withBean(JsonMapper.class, JsonMapper::new)
			.withBean("orders", OrderListener.class)
			.run((context) -> {
				assertThat(context.getBean(ShardListenerMessageHandlerMethodFactory.class).supportsObjectPayloads())
					.isTrue();
				context.getBean(FakeShardSubscriptions.class).publish("orders", "{\"id\":\"o-1\"}");
				OrderListener listener = context.getBean(OrderListener.class);
				await().atMost(TIMEOUT).until(() -> !listener.received.isEmpty());
				assertThat(listener.received).containsExactly(new Order("o-1"));
				assertThat(listener.threads).singleElement().asString().startsWith("shard-listener-");
			});
	}

	@Test
	void runWithUndecodableJsonShouldReportItAndKeepListening(CapturedOutput output) {
		this.runner.withBean(JsonMapper.class, JsonMapper::new)
			.withBean("orders", OrderListener.class)
			.run((context) -> {
				FakeShardSubscriptions subscriptions = context.getBean(FakeShardSubscriptions.class);
				subscriptions.publish("orders", "{not json");
				subscriptions.publish("orders", "{\"id\":\"o-2\"}");
				OrderListener listener = context.getBean(OrderListener.class);
				await().atMost(TIMEOUT).until(() -> !listener.received.isEmpty());
				assertThat(listener.received).containsExactly(new Order("o-2"));
				assertThat(output).contains("Listener 'orders.on' method ShardListenerConfigurationTests.OrderListener"
						+ ".on(Order) failed to handle a message of channel 'orders'");
			});
	}

	@Test
	void runWithoutJsonMapperBeanShouldRefuseObjectPayloads() {
		this.runner.run((context) -> assertThat(
				context.getBean(ShardListenerMessageHandlerMethodFactory.class).supportsObjectPayloads())
			.isFalse());
		this.runner.withBean("orders", OrderListener.class)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("Invalid @ShardListener method orders.on(Order): parameter #0 (Order)")
				.hasStackTraceContaining("needs JSON conversion"));
	}

	@Test
	void runWithoutJacksonShouldSupportStringAndByteArrayPayloads() {
		this.runner.withClassLoader(new FilteredClassLoader(JsonMapper.class))
			.withBean("text", TextListener.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ShardListenerMessageHandlerMethodFactory.class).supportsObjectPayloads())
					.isFalse();
				context.getBean(FakeShardSubscriptions.class).publish("text", "plain");
				await().atMost(TIMEOUT).until(() -> context.getBean(TextListener.class).received.contains("plain"));
			});
	}

	@Test
	void runWithUserExecutorShouldUseIt() {
		this.runner.withUserConfiguration(UserExecutor.class).withBean("text", TextListener.class).run((context) -> {
			assertThat(context.getBean("shardListenerTaskExecutor")).isInstanceOf(SimpleAsyncTaskExecutor.class);
			context.getBean(FakeShardSubscriptions.class).publish("text", "plain");
			TextListener listener = context.getBean(TextListener.class);
			await().atMost(TIMEOUT).until(() -> !listener.threads.isEmpty());
			assertThat(listener.threads).singleElement().asString().startsWith("user-");
		});
	}

	@Test
	void runWithTaskExecutionAutoConfigurationShouldKeepTheApplicationTaskExecutor() {
		// Worst case: this configuration is processed first (alphabetical order)
		this.runner.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class)).run((context) -> {
			assertThat(context).hasBean("applicationTaskExecutor");
			assertThat(context).hasBean("shardListenerTaskExecutor");
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void runWithVirtualThreadsShouldUseVirtualThreads() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(context.getBean("shardListenerTaskExecutor"))
				.isInstanceOf(SimpleAsyncTaskExecutor.class));
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void runWithVirtualThreadsBeforeJava21ShouldUsePlatformThreads() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(context.getBean("shardListenerTaskExecutor"))
				.isInstanceOf(ThreadPoolTaskExecutor.class));
	}

	@Test
	void runWithOneErrorHandlerBeanShouldMakeItTheDefault() {
		List<String> handled = new CopyOnWriteArrayList<>();
		this.runner.withBean("failing", FailingListener.class)
			.withBean("myErrorHandler", ShardListenerErrorHandler.class,
					() -> (message, exception) -> handled.add(exception.getListenerId()))
			.run((context) -> {
				assertThat(context).getBean(ShardListenerErrorHandler.class)
					.isNotInstanceOf(LoggingShardListenerErrorHandler.class);
				context.getBean(FakeShardSubscriptions.class).publish("fails", "x");
				await().atMost(TIMEOUT).until(() -> handled.contains("failing.on"));
			});
	}

	@Test
	void runWithSeveralErrorHandlerBeansShouldKeepLoggingByDefault(CapturedOutput output) {
		List<String> handled = new CopyOnWriteArrayList<>();
		this.runner.withBean("failing", FailingListener.class)
			.withBean("first", ShardListenerErrorHandler.class, () -> (message, exception) -> handled.add("first"))
			.withBean("second", ShardListenerErrorHandler.class, () -> (message, exception) -> handled.add("second"))
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("fails", "x");
				await().atMost(TIMEOUT)
					.until(() -> output.getOut().contains("Listener 'failing.on' method "
							+ "ShardListenerConfigurationTests.FailingListener.on(String) failed"));
				assertThat(handled).isEmpty();
			});
	}

	@Test
	void runWithDispatchListenersShouldCallEachOfThem() {
		AtomicInteger first = new AtomicInteger();
		AtomicInteger second = new AtomicInteger();
		this.runner.withBean("text", TextListener.class)
			.withBean("firstDispatchListener", DispatchListener.class, () -> counting(first))
			.withBean("secondDispatchListener", DispatchListener.class, () -> counting(second))
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("text", "plain");
				await().atMost(TIMEOUT).until(() -> first.get() == 1 && second.get() == 1);
			});
	}

	@Test
	void runWithoutShardSubscriptionsShouldFail() {
		new ApplicationContextRunner().withUserConfiguration(ShardListenerConfiguration.class)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining(ShardSubscriptions.class.getName()));
	}

	private static DispatchListener counting(AtomicInteger counter) {
		return new DispatchListener() {

			@Override
			public void onHandled(String listenerId, String channel, Duration duration, boolean success) {
				counter.incrementAndGet();
			}

		};
	}

	@Configuration(proxyBeanMethods = false)
	static class UserExecutor {

		@Bean
		SimpleAsyncTaskExecutor shardListenerTaskExecutor() {
			return new SimpleAsyncTaskExecutor("user-");
		}

	}

	record Order(String id) {
	}

	static class OrderListener {

		final List<Order> received = new CopyOnWriteArrayList<>();

		final List<String> threads = new CopyOnWriteArrayList<>();

		@ShardListener("orders")
		public void on(Order order) {
			this.threads.add(Thread.currentThread().getName());
			this.received.add(order);
		}

	}

	static class TextListener {

		final List<String> received = new CopyOnWriteArrayList<>();

		final List<String> threads = new CopyOnWriteArrayList<>();

		@ShardListener("text")
		public void on(String text) {
			this.threads.add(Thread.currentThread().getName());
			this.received.add(text);
		}

	}

	static class BulkListener {

		final List<String> received = new CopyOnWriteArrayList<>();

		final List<String> threads = new CopyOnWriteArrayList<>();

		@ShardListener(channels = "bulk", containerFactory = "bulkFactory")
		public void on(String text) {
			this.threads.add(Thread.currentThread().getName());
			this.received.add(text);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BulkFactoryConfiguration {

		@Bean
		ShardListenerContainerFactory bulkFactory(ShardListenerContainerFactoryConfigurer configurer,
				ShardSubscriptions subscriptions) {
			ShardListenerContainerFactory factory = new ShardListenerContainerFactory(subscriptions);
			configurer.configure(factory);
			factory.setExecutor(new SimpleAsyncTaskExecutor("bulk-"));
			factory.setContainerProperties(new ShardListenerContainerProperties(true, 2, Duration.ofSeconds(1),
					Duration.ofSeconds(1)));
			return factory;
		}

	}

	static class FailingListener {

		@ShardListener("fails")
		public void on(String text) {
			throw new IllegalStateException("failed " + text);
		}

	}

}
