package dev.shardpubsub.config;

import java.lang.reflect.Method;
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

	private final ShardListenerEndpointRegistry registry = new ShardListenerEndpointRegistry(this.subscriptions,
			this.executor, ShardListenerContainerProperties.defaults());

	private final Listener listener = new Listener();

	@AfterEach
	void tearDown() {
		this.registry.stop();
		this.executor.shutdownNow();
	}

	@Test
	void refusesADuplicateIdNamingBothMethods() {
		this.registry.registerListenerContainer(endpoint("orders", "onString", "a"));
		assertThatIllegalStateException()
			.isThrownBy(() -> this.registry.registerListenerContainer(endpoint("orders", "onBytes", "b")))
			.withMessage("Another listener with id 'orders' is already registered: listener.onString(String); "
					+ "cannot register listener.onBytes(byte[])");
	}

	@Test
	void refusesAnInvalidSignatureNamingBeanMethodAndParameter() {
		assertThatIllegalStateException()
			.isThrownBy(() -> this.registry.registerListenerContainer(endpoint("pojo", "onOrder", "a")))
			.withMessageStartingWith("Invalid @ShardListener method listener.onOrder(Order): parameter #0 (Order): "
					+ "its payload type");
		assertThat(this.registry.getListenerContainer("pojo")).isNull();
	}

	@Test
	void startsOnlyAutoStartupContainers() {
		ShardListenerEndpoint manual = endpoint("manual", "onBytes", "b");
		manual.setAutoStartup(false);
		this.registry.registerListenerContainer(endpoint("auto", "onString", "a"));
		this.registry.registerListenerContainer(manual);
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
		ShardListenerContainer container = this.registry.registerListenerContainer(endpoint("late", "onString", "a"));
		assertThat(container.isRunning()).isTrue();
	}

	@Test
	void stopsEveryContainerInOneCallback() {
		this.registry.registerListenerContainer(endpoint("one", "onString", "a"));
		this.registry.registerListenerContainer(endpoint("two", "onBytes", "b"));
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
		this.registry.registerListenerContainer(endpoint("one", "onString", "a", "shared"));
		this.registry.registerListenerContainer(endpoint("two", "onBytes", "b", "shared"));
		this.registry.start();
		assertThat(this.registry.channels()).extracting(ChannelSubscription::channel)
			.containsExactly("a", "b", "shared");
		assertThat(this.registry.channels("one")).extracting(ChannelSubscription::channel)
			.containsExactly("a", "shared");
		assertThat(this.registry.channels("unknown")).isEmpty();
	}

	@Test
	void prefersTheEndpointErrorHandlerThenTheRegistrarsThenTheRegistrys() {
		List<String> handledBy = new CopyOnWriteArrayList<>();
		this.registry.setErrorHandler((message, exception) -> handledBy.add("registry:" + message.channel()));
		ShardListenerEndpoint own = endpoint("own", "onFailure", "a");
		own.setErrorHandler((message, exception) -> handledBy.add("endpoint:" + message.channel()));
		ShardListenerEndpointRegistrar registrar = new ShardListenerEndpointRegistrar();
		registrar.setEndpointRegistry(this.registry);
		registrar.setErrorHandler((message, exception) -> handledBy.add("registrar:" + message.channel()));
		registrar.registerEndpoint(own);
		registrar.registerEndpoint(endpoint("viaRegistrar", "onFailure", "b"));
		registrar.registerEndpoints();
		this.registry.registerListenerContainer(endpoint("plain", "onFailure", "c"));
		this.registry.start();
		this.subscriptions.publish("a", "x");
		this.subscriptions.publish("b", "x");
		this.subscriptions.publish("c", "x");
		await().until(() -> handledBy.size() == 3);
		assertThat(handledBy).containsExactlyInAnyOrder("endpoint:a", "registrar:b", "registry:c");
	}

	@Test
	void startsAfterTheSubscriptionsAndStopsBeforeThem() {
		assertThat(this.registry.getPhase()).isEqualTo(ShardListenerEndpointRegistry.DEFAULT_PHASE)
			.isGreaterThan(ShardSubscriptionReconciler.PHASE);
	}

	@Test
	void observesListenersRegisteredBeforeAndAfterTheObservationRegistryWasSet() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.registry.registerListenerContainer(endpoint("early", "onString", "a"));
		this.registry.start();
		this.registry.setObservationRegistry(observations, null);
		this.registry.registerListenerContainer(endpoint("late", "onString", "b"));
		ShardListenerContainer late = this.registry.getListenerContainer("late");
		if (!late.isRunning()) {
			late.start();
		}
		this.subscriptions.publish("a", "x");
		this.subscriptions.publish("b", "y");
		Awaitility.await()
			.untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
				.hasNumberOfObservationsWithNameEqualTo("shard.pubsub.listener", 2));
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
