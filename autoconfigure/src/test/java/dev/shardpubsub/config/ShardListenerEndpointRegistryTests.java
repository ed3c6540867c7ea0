package dev.shardpubsub.config;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.FakeShardSubscriptions;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardListenerContainerProperties;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ShardListenerEndpointRegistry} and {@link ShardListenerEndpointRegistrar}.
 */
class ShardListenerEndpointRegistryTests {

	private final FakeShardSubscriptions subscriptions = new FakeShardSubscriptions();

	private final ExecutorService executor = Executors.newFixedThreadPool(2);

	private final ShardListenerEndpointRegistry registry = new ShardListenerEndpointRegistry(this.subscriptions);

	private final ShardListenerContainerFactory factory = new ShardListenerContainerFactory(this.subscriptions);

	private final Listener listener = new Listener();

	@BeforeEach
	void setUp() {
		this.factory.setExecutor(this.executor);
	}

	@AfterEach
	void tearDown() {
		this.registry.stop();
		this.executor.shutdownNow();
	}

	@Test
	void refusesADuplicateIdNamingBothMethods() {
		this.registry.registerListenerContainer(endpoint("orders", "onString", "a"), this.factory);
		assertThatIllegalStateException()
			.isThrownBy(() -> this.registry.registerListenerContainer(endpoint("orders", "onBytes", "b"), this.factory))
			.withMessage("Another listener with id 'orders' is already registered: listener.onString(String); "
					+ "cannot register listener.onBytes(byte[])");
	}

	@Test
	void refusesAnInvalidSignatureNamingBeanMethodAndParameter() {
		assertThatIllegalStateException()
			.isThrownBy(() -> this.registry.registerListenerContainer(endpoint("pojo", "onOrder", "a"), this.factory))
			.withMessageStartingWith("Invalid @ShardListener method listener.onOrder(Order): parameter #0 (Order): "
					+ "its payload type");
		assertThat(this.registry.getListenerContainer("pojo")).isNull();
	}

	@Test
	void startsOnlyAutoStartupContainers() {
		ShardListenerEndpoint manual = endpoint("manual", "onBytes", "b");
		manual.setAutoStartup(false);
		this.registry.registerListenerContainer(endpoint("auto", "onString", "a"), this.factory);
		this.registry.registerListenerContainer(manual, this.factory);
		this.registry.start();
		assertThat(this.registry.isRunning()).isTrue();
		assertThat(this.registry.getListenerContainer("auto").isRunning()).isTrue();
		assertThat(this.registry.getListenerContainer("manual").isRunning()).isFalse();
		assertThat(this.subscriptions.isSubscribed("manual")).isFalse();
		this.registry.getListenerContainer("manual").start();
		assertThat(this.subscriptions.isSubscribed("manual")).isTrue();
		assertThat(this.registry.getListenerContainers()).extracting(ShardListenerContainer::getListenerId)
			.containsExactly("auto", "manual");
		assertThat(this.registry.getListenerContainerIds()).containsExactly("auto", "manual");
	}

	@Test
	void startsAContainerRegisteredWhileRunning() {
		this.registry.start();
		ShardListenerContainer container = this.registry.registerListenerContainer(endpoint("late", "onString", "a"), this.factory);
		assertThat(container.isRunning()).isTrue();
	}

	@Test
	void stopsEveryContainerInOneCallback() {
		this.registry.registerListenerContainer(endpoint("one", "onString", "a"), this.factory);
		this.registry.registerListenerContainer(endpoint("two", "onBytes", "b"), this.factory);
		this.registry.start();
		AtomicBoolean called = new AtomicBoolean();
		this.registry.stop(() -> called.set(true));
		assertThat(called).isTrue();
		assertThat(this.registry.isRunning()).isFalse();
		assertThat(this.registry.getListenerContainers()).noneMatch(ShardListenerContainer::isRunning);
		assertThat(this.subscriptions.calls()).contains("unsubscribe one", "unsubscribe two");
	}

	@Test
	void exposesChannelStatesOverallAndPerListener() {
		this.registry.registerListenerContainer(endpoint("one", "onString", "a", "shared"), this.factory);
		this.registry.registerListenerContainer(endpoint("two", "onBytes", "b", "shared"), this.factory);
		this.registry.start();
		assertThat(this.registry.channels()).extracting(ChannelSubscription::channel)
			.containsExactly("a", "b", "shared");
		assertThat(this.registry.channels("one")).extracting(ChannelSubscription::channel)
			.containsExactly("a", "shared");
		assertThat(this.registry.channels("unknown")).isEmpty();
	}

	@Test
	void prefersTheEndpointErrorHandlerThenTheRegistrarsThenTheFactorys() {
		List<String> handledBy = new CopyOnWriteArrayList<>();
		this.factory.setErrorHandler((message, exception) -> handledBy.add("factory:" + message.channel()));
		ShardListenerEndpoint own = endpoint("own", "onFailure", "a");
		own.setErrorHandler((message, exception) -> handledBy.add("endpoint:" + message.channel()));
		ShardListenerEndpointRegistrar registrar = new ShardListenerEndpointRegistrar();
		registrar.setEndpointRegistry(this.registry);
		registrar.setContainerFactory(this.factory);
		registrar.setErrorHandler((message, exception) -> handledBy.add("registrar:" + message.channel()));
		registrar.registerEndpoint(own);
		registrar.registerEndpoint(endpoint("viaRegistrar", "onFailure", "b"));
		registrar.registerEndpoints();
		this.registry.registerListenerContainer(endpoint("plain", "onFailure", "c"), this.factory);
		this.registry.start();
		this.subscriptions.publish("a", "x");
		this.subscriptions.publish("b", "x");
		this.subscriptions.publish("c", "x");
		await().until(() -> handledBy.size() == 3);
		assertThat(handledBy).containsExactlyInAnyOrder("endpoint:a", "registrar:b", "factory:c");
	}

	@Test
	void startsAfterTheSubscriptionsAndStopsBeforeThem() {
		assertThat(this.registry.getPhase()).isEqualTo(ShardListenerEndpointRegistry.DEFAULT_PHASE)
			.isGreaterThan(ShardSubscriptionReconciler.PHASE);
	}

	@Test
	void observesTheListenersOfAFactoryWithAnObservationRegistry() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.factory.setObservationRegistry(observations);
		ShardListenerContainer observed = this.registry.registerListenerContainer(endpoint("one", "onString", "a"),
				this.factory);
		this.registry.start();
		this.subscriptions.publish("a", "x");
		this.subscriptions.publish("a", "y");
		Awaitility.await()
			.untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
				.hasNumberOfObservationsWithNameEqualTo("shard.pubsub.listener", 2));
		assertThat(observed.getAdapter().isObserved()).isTrue();
	}

	@Test
	void unregistersAContainerRegisteredAtRuntimeStoppingIt() {
		this.registry.start();
		ShardListenerContainer container = this.registry.registerListenerContainer(endpoint("late", "onString", "a"),
				this.factory);
		assertThat(this.subscriptions.isSubscribed("late")).isTrue();
		assertThat(this.registry.unregisterListenerContainer("late")).isSameAs(container);
		assertThat(container.isRunning()).isFalse();
		assertThat(this.subscriptions.isSubscribed("late")).isFalse();
		assertThat(this.registry.getListenerContainer("late")).isNull();
		assertThat(this.registry.unregisterListenerContainer("late")).isNull();
		// The id is free again
		this.registry.registerListenerContainer(endpoint("late", "onBytes", "b"), this.factory);
		assertThat(this.registry.getListenerContainer("late").isRunning()).isTrue();
	}

	@Test
	void buildsContainersWithTheFactorysProperties() {
		this.factory.setContainerProperties(new ShardListenerContainerProperties(false, 3, Duration.ofSeconds(1),
				Duration.ofSeconds(1)));
		this.registry.registerListenerContainer(endpoint("manual", "onString", "a"), this.factory);
		this.registry.start();
		assertThat(this.registry.getListenerContainer("manual").isRunning()).isFalse();
	}

	private ShardListenerEndpoint endpoint(String id, String methodName, String... channels) {
		Method method = ReflectionUtils.findMethod(Listener.class, methodName, (Class<?>[]) null);
		ShardListenerEndpoint endpoint = new ShardListenerEndpoint(id, List.of(channels), this.listener, method);
		endpoint.setBeanName("listener");
		return endpoint;
	}

	record Order(String id) {
	}

	static class Listener {

		public void onString(String payload) {
		}

		public void onBytes(byte[] payload) {
		}

		public void onOrder(Order order) {
		}

		public void onFailure(String payload) {
			throw new IllegalStateException("failed " + payload);
		}

	}

}
