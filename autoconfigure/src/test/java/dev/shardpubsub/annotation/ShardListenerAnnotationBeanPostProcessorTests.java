package dev.shardpubsub.annotation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.shardpubsub.config.ShardListenerEndpoint;
import dev.shardpubsub.config.ShardListenerContainerFactory;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.FakeShardSubscriptions;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerMessageHandlerMethodFactory;
import dev.shardpubsub.listener.ShardMessageHeaders;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.support.PropertySourcesPlaceholderConfigurer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AliasFor;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ShardListenerAnnotationBeanPostProcessor}.
 */
class ShardListenerAnnotationBeanPostProcessorTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(Infrastructure.class);

	@Test
	void registersLiteralChannelsUnderAGeneratedId() {
		this.runner.withBean("literal", LiteralListener.class).run((context) -> {
			ShardListenerContainer container = registry(context).getListenerContainer("literal.on");
			assertThat(container).isNotNull();
			assertThat(container.getChannels()).containsExactly("a", "b");
			assertThat(container.isRunning()).isTrue();
			subscriptions(context).publish("b", "hello");
			await().atMost(TIMEOUT).until(() -> received(context).contains("b:hello"));
		});
	}

	@Test
	void resolvesPlaceholders() {
		this.runner.withBean("placeholder", PlaceholderListener.class)
			.withPropertyValues("listener.id=orders", "listener.channel=orders:{eu}")
			.run((context) -> assertThat(registry(context).getListenerContainer("orders").getChannels())
				.containsExactly("orders:{eu}", "fixed"));
	}

	@Test
	void resolvesSpelToAStringAnArrayAndACollection() {
		this.runner.withBean("spel", SpelListener.class).withPropertyValues("region=eu").run((context) -> {
			assertThat(registry(context).getListenerContainer("spel").getChannels()).containsExactly("orders:eu",
					"p", "q", "m", "n");
		});
	}

	@Test
	void registersEachRepeatedAnnotation() {
		this.runner.withBean("repeated", RepeatedListener.class).run((context) -> {
			assertThat(registry(context).getListenerContainerIds()).containsExactlyInAnyOrder("repeated.on",
					"repeated.on#1");
			assertThat(registry(context).getListenerContainers()).flatExtracting(ShardListenerContainer::getChannels)
				.containsExactlyInAnyOrder("r1", "r2");
		});
	}

	@Test
	void supportsComposedAnnotations() {
		this.runner.withBean("meta", MetaListener.class).run((context) -> {
			assertThat(registry(context).getListenerContainer("metaId").getChannels()).containsExactly("meta");
			subscriptions(context).publish("meta", "m");
			await().atMost(TIMEOUT).until(() -> received(context).contains("meta:m"));
		});
	}

	@Test
	void refusesADuplicateIdNamingBothMethods() {
		this.runner.withBean("first", DuplicateListener.class)
			.withBean("second", OtherDuplicateListener.class)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("Another listener with id 'dup' is already registered: first.on(String); "
						+ "cannot register second.handle(String)"));
	}

	@Test
	void refusesABlankChannel() {
		this.runner.withBean("blank", BlankChannelListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener on blank.on: channel ' ' is blank"));
	}

	@Test
	void refusesAChannelPlaceholderResolvingToBlank() {
		this.runner.withBean("emptyPlaceholder", PlaceholderListener.class)
			.withPropertyValues("listener.id=x", "listener.channel=")
			.run((context) -> assertFailure(context,
					"Invalid @ShardListener on emptyPlaceholder.on: channel '${listener.channel}' is blank"));
	}

	@Test
	void refusesAnUnresolvablePlaceholder() {
		this.runner.withBean("unresolvable", PlaceholderListener.class)
			.withPropertyValues("listener.id=x")
			.run((context) -> assertFailure(context, "Invalid @ShardListener on unresolvable.on: channel "
					+ "'${listener.channel}' has an unresolvable placeholder: '${listener.channel}'"));
	}

	@Test
	void refusesAnUnresolvablePlaceholderWithAStrictPlaceholderConfigurer() {
		this.runner.withUserConfiguration(StrictPlaceholders.class)
			.withBean("unresolvable", PlaceholderListener.class)
			.withPropertyValues("listener.id=x")
			.run((context) -> assertFailure(context, "Invalid @ShardListener on unresolvable.on: channel "
					+ "'${listener.channel}': Could not resolve placeholder 'listener.channel'"));
	}

	@Test
	void refusesSpelOfTheWrongType() {
		this.runner.withBean("number", NumberChannelListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener on number.on: channel '#{40 + 2}' "
					+ "resolved to a java.lang.Integer; expected a String, String[] or Collection<String>"));
		this.runner.withBean("numbers", NumberCollectionChannelListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener on numbers.on: channel '#{ {1, 2} }' "
					+ "resolved to a collection holding a java.lang.Integer; expected String elements"));
	}

	@Test
	void refusesInvalidSpel() {
		this.runner.withBean("broken", BrokenSpelListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener on broken.on: channel '#{'unclosed}': "));
	}

	@Test
	void refusesAListenerWithoutChannels() {
		this.runner.withBean("none", NoChannelListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener on none.on: no channels"));
	}

	@Test
	void refusesAnInvalidSignatureNamingBeanMethodAndParameter() {
		this.runner.withBean("twoPayloads", TwoPayloadsListener.class)
			.run((context) -> assertFailure(context, "Invalid @ShardListener method twoPayloads.on(String, byte[]): "
					+ "parameters [#0 (String), #1 (byte[])] are all payload candidates"));
	}

	@Test
	void refusesAMethodTheProxyCannotInvoke() {
		this.runner.withUserConfiguration(Proxying.class)
			.withBean("proxiedHidden", HiddenMethodListener.class)
			.run((context) -> assertFailure(context,
					"Invalid @ShardListener on proxiedHidden.hidden: it cannot be invoked on the bean's proxy: "));
	}

	@Test
	void invokesThroughTheProxy() {
		this.runner.withUserConfiguration(Proxying.class)
			.withBean("proxiedGreeter", GreeterListener.class)
			.run((context) -> {
				subscriptions(context).publish("greetings", "hi");
				await().atMost(TIMEOUT).until(() -> received(context).containsAll(List.of("proxy", "greetings:hi")));
			});
	}

	@Test
	void usesTheNamedErrorHandler() {
		this.runner.withBean("failing", FailingListener.class)
			.withBean("recordingErrorHandler", ShardListenerErrorHandler.class,
					() -> (message, exception) -> RECORDED.add(exception.getListenerId() + ":" + message.channel()))
			.withPropertyValues("handler=recordingErrorHandler")
			.run((context) -> {
				subscriptions(context).publish("fails", "x");
				subscriptions(context).publish("fails", "y");
				await().atMost(TIMEOUT).until(() -> RECORDED.size() == 2);
				assertThat(RECORDED).containsOnly("failing.on:fails");
			});
	}

	@Test
	void refusesAnUnknownErrorHandler() {
		this.runner.withBean("failing", FailingListener.class)
			.withPropertyValues("handler=nope")
			.run((context) -> assertFailure(context, "Invalid @ShardListener on failing.on: errorHandler 'nope' is "
					+ "not a ShardListenerErrorHandler bean: No bean named 'nope' available"));
	}

	@Test
	void buildsTheContainerWithTheNamedContainerFactory() {
		this.runner.withBean("own", OwnFactoryListener.class)
			.withBean("smallQueues", ShardListenerContainerFactory.class, () -> {
				ShardListenerContainerFactory factory = new ShardListenerContainerFactory(new FakeShardSubscriptions());
				factory.setExecutor(Runnable::run);
				factory.setContainerProperties(new ShardListenerContainerProperties(false, 5, Duration.ofSeconds(1),
						Duration.ofSeconds(1)));
				return factory;
			})
			.withPropertyValues("factory=smallQueues")
			.run((context) -> {
				ShardListenerContainer container = registry(context).getListenerContainer("own.on");
				assertThat(container.isAutoStartup()).isFalse();
				assertThat(container.isRunning()).isFalse();
			});
	}

	@Test
	void refusesAnUnknownContainerFactory() {
		this.runner.withBean("own", OwnFactoryListener.class)
			.withPropertyValues("factory=nope")
			.run((context) -> assertFailure(context, "Invalid @ShardListener on own.on: containerFactory 'nope' is "
					+ "not a ShardListenerContainerFactory bean: No bean named 'nope' available"));
	}

	@Test
	void leavesAListenerWithoutAutoStartupStoppedUntilStartedThroughTheRegistry() {
		this.runner.withBean("manual", ManualListener.class).withPropertyValues("auto=false").run((context) -> {
			ShardListenerContainer container = registry(context).getListenerContainer("manual");
			assertThat(container.isRunning()).isFalse();
			assertThat(subscriptions(context).publish("later", "lost")).isZero();
			container.start();
			subscriptions(context).publish("later", "now");
			await().atMost(TIMEOUT).until(() -> received(context).contains("later:now"));
			assertThat(received(context)).doesNotContain("later:lost");
		});
	}

	@Test
	void refusesAnAutoStartupThatIsNotABoolean() {
		this.runner.withBean("manual", ManualListener.class)
			.withPropertyValues("auto=maybe")
			.run((context) -> assertFailure(context,
					"Invalid @ShardListener on manual.on: autoStartup '${auto}' resolved to 'maybe'"));
	}

	@Test
	void appliesConfigurers() {
		this.runner.withBean("failing", FailingListener.class)
			.withPropertyValues("handler=")
			.withBean(ShardListenerConfigurer.class, () -> (registrar) -> {
				Method method = ReflectionUtils.findMethod(Programmatic.class, "on", String.class);
				registrar.registerEndpoint(new ShardListenerEndpoint("programmatic", List.of("code"),
						new Programmatic(), method));
				registrar.setErrorHandler((message, exception) -> RECORDED.add("configured:" + message.channel()));
			})
			.run((context) -> {
				assertThat(registry(context).getListenerContainer("programmatic").getChannels())
					.containsExactly("code");
				subscriptions(context).publish("fails", "x");
				await().atMost(TIMEOUT).until(() -> RECORDED.contains("configured:fails"));
			});
	}

	@Test
	void registersAndStartsTheListenerOfABeanCreatedAfterStartup() {
		this.runner.withUserConfiguration(LazyListenerConfiguration.class).run((context) -> {
			assertThat(registry(context).getListenerContainer("lazy.on")).isNull();
			context.getBean("lazy");
			assertThat(registry(context).getListenerContainer("lazy.on").isRunning()).isTrue();
			subscriptions(context).publish("a", "late");
			await().atMost(TIMEOUT).until(() -> received(context).contains("a:late"));
		});
	}

	@Test
	void stopsAndUnsubscribesOnClose() {
		FakeShardSubscriptions[] subscriptions = new FakeShardSubscriptions[1];
		this.runner.withBean("literal", LiteralListener.class).run((context) -> {
			subscriptions[0] = subscriptions(context);
			assertThat(subscriptions[0].isSubscribed("literal.on")).isTrue();
		});
		assertThat(subscriptions[0].isSubscribed("literal.on")).isFalse();
		assertThat(subscriptions[0].calls()).containsExactly("subscribe literal.on [a, b]", "unsubscribe literal.on");
	}

	@Test
	void needsNoRegistryWithoutListeners() {
		new ApplicationContextRunner().withBean(ShardListenerAnnotationBeanPostProcessor.class)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static final List<String> RECORDED = new CopyOnWriteArrayList<>();

	private static void assertFailure(AssertableApplicationContext context, String message) {
		assertThat(context).hasFailed();
		assertThat(context).getFailure().hasStackTraceContaining(message);
	}

	private static ShardListenerEndpointRegistry registry(AssertableApplicationContext context) {
		return context.getBean(ShardListenerEndpointRegistry.class);
	}

	private static FakeShardSubscriptions subscriptions(AssertableApplicationContext context) {
		return context.getBean(FakeShardSubscriptions.class);
	}

	private static List<String> received(AssertableApplicationContext context) {
		return context.getBean(Received.class).messages;
	}

	@Configuration(proxyBeanMethods = false)
	static class Infrastructure {

		@Bean
		static ShardListenerAnnotationBeanPostProcessor shardListenerAnnotationBeanPostProcessor() {
			return new ShardListenerAnnotationBeanPostProcessor();
		}

		@Bean
		FakeShardSubscriptions fakeShardSubscriptions() {
			return new FakeShardSubscriptions();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService listenerExecutor() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean
		ShardListenerEndpointRegistry shardListenerEndpointRegistry(FakeShardSubscriptions subscriptions) {
			RECORDED.clear();
			return new ShardListenerEndpointRegistry(subscriptions);
		}

		@Bean
		ShardListenerContainerFactory shardListenerContainerFactory(FakeShardSubscriptions subscriptions,
				ExecutorService listenerExecutor) {
			ShardListenerContainerFactory containerFactory = new ShardListenerContainerFactory(subscriptions);
			containerFactory.setExecutor(listenerExecutor);
			ShardListenerMessageHandlerMethodFactory factory = new ShardListenerMessageHandlerMethodFactory(
					new JacksonJsonMessageConverter(new JsonMapper()));
			factory.afterPropertiesSet();
			containerFactory.setMessageHandlerMethodFactory(factory);
			return containerFactory;
		}

		@Bean
		Received received() {
			return new Received();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyListenerConfiguration {

		@Bean
		@Lazy
		LiteralListener lazy(Received received) {
			return new LiteralListener(received);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StrictPlaceholders {

		@Bean
		static PropertySourcesPlaceholderConfigurer propertySourcesPlaceholderConfigurer() {
			return new PropertySourcesPlaceholderConfigurer();
		}

	}

	/**
	 * Wraps beans named {@code proxied*} in a JDK proxy that records each call.
	 */
	@Configuration(proxyBeanMethods = false)
	static class Proxying {

		@Bean
		static ProxyingPostProcessor jdkProxies() {
			return new ProxyingPostProcessor();
		}

	}

	static class ProxyingPostProcessor implements BeanPostProcessor, Ordered {

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!beanName.startsWith("proxied")) {
				return bean;
			}
			ProxyFactory factory = new ProxyFactory(bean);
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				((Received.Aware) bean).received().messages.add("proxy");
				return invocation.proceed();
			});
			return factory.getProxy();
		}

		@Override
		public int getOrder() {
			return HIGHEST_PRECEDENCE;
		}

	}

	static class Received {

		final List<String> messages = new CopyOnWriteArrayList<>();

		interface Aware {

			Received received();

		}

	}

	static class LiteralListener {

		private final Received received;

		LiteralListener(Received received) {
			this.received = received;
		}

		@ShardListener(channels = { "a", "b" })
		public void on(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel) {
			this.received.messages.add(channel + ":" + payload);
		}

	}

	static class PlaceholderListener {

		@ShardListener(id = "${listener.id}", channels = { "${listener.channel}", "fixed" })
		public void on(String payload) {
		}

	}

	static class SpelListener {

		@ShardListener(id = "spel",
				channels = { "#{'orders:' + '${region}'}", "#{'p,q'.split(',')}", "#{ {'m', 'n'} }" })
		public void on(String payload) {
		}

	}

	static class RepeatedListener {

		@ShardListener("r1")
		@ShardListener("r2")
		public void on(String payload) {
		}

	}

	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@ShardListener(channels = "meta")
	@interface MetaEvents {

		@AliasFor(annotation = ShardListener.class, attribute = "id")
		String id() default "";

	}

	static class MetaListener {

		private final Received received;

		MetaListener(Received received) {
			this.received = received;
		}

		@MetaEvents(id = "metaId")
		public void on(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel) {
			this.received.messages.add(channel + ":" + payload);
		}

	}

	static class DuplicateListener {

		@ShardListener(id = "dup", channels = "a")
		public void on(String payload) {
		}

	}

	static class OtherDuplicateListener {

		@ShardListener(id = "dup", channels = "b")
		public void handle(String payload) {
		}

	}

	static class BlankChannelListener {

		@ShardListener(channels = " ")
		public void on(String payload) {
		}

	}

	static class NumberChannelListener {

		@ShardListener(channels = "#{40 + 2}")
		public void on(String payload) {
		}

	}

	static class NumberCollectionChannelListener {

		@ShardListener(channels = "#{ {1, 2} }")
		public void on(String payload) {
		}

	}

	static class BrokenSpelListener {

		@ShardListener(channels = "#{'unclosed}")
		public void on(String payload) {
		}

	}

	static class NoChannelListener {

		@ShardListener(id = "none")
		public void on(String payload) {
		}

	}

	static class TwoPayloadsListener {

		@ShardListener("c")
		public void on(String first, byte[] second) {
		}

	}

	interface Greeter {

		@ShardListener("greetings")
		void greet(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel);

	}

	static class GreeterListener implements Greeter, Received.Aware {

		private final Received received;

		GreeterListener(Received received) {
			this.received = received;
		}

		@Override
		public void greet(String payload, String channel) {
			this.received.messages.add(channel + ":" + payload);
		}

		@Override
		public Received received() {
			return this.received;
		}

	}

	static class HiddenMethodListener implements Greeter, Received.Aware {

		private final Received received;

		HiddenMethodListener(Received received) {
			this.received = received;
		}

		@Override
		public void greet(String payload, String channel) {
		}

		@ShardListener("hidden")
		public void hidden(String payload) {
		}

		@Override
		public Received received() {
			return this.received;
		}

	}

	static class FailingListener {

		@ShardListener(channels = "fails", errorHandler = "${handler}")
		public void on(String payload) {
			throw new IllegalStateException("failed " + payload);
		}

	}

	static class OwnFactoryListener {

		@ShardListener(channels = "own", containerFactory = "${factory}")
		public void on(String payload) {
		}

	}

	static class ManualListener {

		private final Received received;

		ManualListener(Received received) {
			this.received = received;
		}

		@ShardListener(id = "manual", channels = "later", autoStartup = "${auto}")
		public void on(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel) {
			this.received.messages.add(channel + ":" + payload);
		}

	}

	static class Programmatic {

		public void on(String payload) {
		}

	}

}
