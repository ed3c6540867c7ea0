package dev.shardpubsub.integration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.config.ClusterAuthenticationException;
import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.node.LettuceNodeSubscriptionClient;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.ClientInfo;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The starter on a cluster that knows only ACL users (the {@code default} user is off, so every connection must log
 * in): it logs in with {@code spring.data.redis.username/password} on every node connection, also those opened
 * during a slot move; it reports channels the user may not use without disturbing the others; it refuses to start
 * with wrong credentials, once, without retrying; and the passwords show up nowhere.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecuredClusterIntegrationTests {

	private static final String APP_PASSWORD = "app-Pw-7f3KqZ";

	private static final String ADMIN_PASSWORD = "admin-Pw-Q9xw2L";

	private static final String WRONG_PASSWORD = "wrong-Pw-X2v8Rt";

	/**
	 * What an application user needs (README, "Security"): its channels, pub/sub, the connection commands, and
	 * the commands Lettuce reads the topology with.
	 */
	private static final String APP_RULES = "resetchannels &orders:* -@all +@pubsub +@connection +cluster|nodes "
			+ "+cluster|myid +info";

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static EmbeddedRedisCluster cluster;

	@BeforeAll
	static void startCluster() {
		cluster = EmbeddedRedisCluster.builder()
			.masters(3)
			.replicasPerMaster(0)
			.adminUser("admin", ADMIN_PASSWORD)
			.aclUser("app", APP_PASSWORD, APP_RULES)
			.aclUser("nossubscribe", APP_PASSWORD, APP_RULES + " -ssubscribe")
			.start();
	}

	@AfterAll
	static void stopCluster() {
		cluster.close();
	}

	@Test
	void forbiddenChannelIsReportedWithThePermissionErrorAndAllowedChannelsKeepWorking(CapturedOutput output) {
		// secret:{c} has a slot of its own; orders:{s} shares its slot with the forbidden secret:{s}.
		try (ConfigurableApplicationContext context = run("app", APP_PASSWORD,
				"orders:{a},orders:{b},secret:{c},orders:{s},secret:{s}")) {
			RecordingApp.awaitSubscribed(context, "orders:{a}", "orders:{b}");
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			await().atMost(WAIT).until(() -> failure(recorder, "secret:{c}") != null && failure(recorder, "secret:{s}") != null);

			SubscriptionFailedEvent alone = failure(recorder, "secret:{c}");
			assertThat(alone.getChannels()).containsExactly("secret:{c}");
			// The error class and our own words; the server's wording differs by version.
			assertThat(alone.getReason())
				.startsWith("Permission denied for channel [secret:{c}] on " + alone.getNode() + " ('NOPERM ")
				.endsWith("'): the Redis user's ACL channel rules (&pattern) must allow them");
			assertThat(alone.willRetry()).isTrue();
			assertThat(output).contains("Could not subscribe 1 channel(s) of slot " + cluster.slotOf("secret:{c}"))
				.contains("Permission denied for channel [secret:{c}]");

			// One SSUBSCRIBE per slot: a forbidden channel fails the allowed channels of its slot with it.
			SubscriptionFailedEvent shared = failure(recorder, "secret:{s}");
			assertThat(shared.getChannels()).containsExactlyInAnyOrder("orders:{s}", "secret:{s}");
			assertThat(shared.getReason()).contains("Permission denied for one of the channels")
				.contains("a forbidden channel fails its whole slot");

			// The channels of other slots are untouched: subscribed, and they receive.
			for (String channel : List.of("orders:{a}", "orders:{b}")) {
				assertThat(RecordingApp.state(context, channel).state()).isEqualTo(State.SUBSCRIBED);
				assertThat(publish(context, channel, "hello")).isEqualTo(1);
			}
			await().atMost(WAIT).until(() -> recorder.received("orders:{a}").size() == 1
					&& recorder.received("orders:{b}").size() == 1);
			assertThat(RecordingApp.state(context, "secret:{c}").state()).isNotEqualTo(State.SUBSCRIBED);
		}
	}

	@Test
	void userWhoMayNotRunSsubscribeIsToldWhatToGrant() {
		try (ConfigurableApplicationContext context = run("nossubscribe", APP_PASSWORD, "orders:{x}")) {
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			await().atMost(WAIT).until(() -> failure(recorder, "orders:{x}") != null);
			SubscriptionFailedEvent failure = failure(recorder, "orders:{x}");
			// The error class and our own words; the server's wording differs by version.
			assertThat(failure.getReason())
				.startsWith("The Redis user may not run SSUBSCRIBE on " + failure.getNode() + " ('NOPERM ")
				.endsWith("'): grant it +ssubscribe or +@pubsub; channels [orders:{x}]");
		}
	}

	@Test
	void everyNodeConnectionLogsInAlsoThoseOpenedDuringAMove() {
		String channel = "orders:{move}";
		// Without kept connections, the move opens a new connection to the target: it must log in too.
		try (ConfigurableApplicationContext context = RecordingApp.run(
				"spring.data.redis.cluster.nodes=" + cluster.nodesProperty(), "spring.data.redis.username=app",
				"spring.data.redis.password=" + APP_PASSWORD, "test.channels=" + channel,
				"shard-pubsub.reconcile.keep-connections=false")) {
			RecordingApp.awaitSubscribed(context, channel);
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			int slot = cluster.slotOf(channel);
			RedisNode owner = cluster.ownerOf(slot);
			RedisNode target = cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();
			assertThat(ours(target)).isEmpty();
			assertThat(publish(context, channel, "before")).isEqualTo(1);

			cluster.operations().setSlotNode(slot, target);

			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(RecordingApp.state(context, channel).state()).isEqualTo(State.SUBSCRIBED);
				assertThat(RecordingApp.state(context, channel).node()).isEqualTo(target.address());
			});
			assertThat(publish(context, channel, "after")).isEqualTo(1);
			await().atMost(WAIT).until(() -> recorder.received(channel).size() == 2);
			assertThat(recorder.received(channel)).map((bytes) -> new String(bytes, StandardCharsets.UTF_8))
				.containsExactly("before", "after");
			// The connection opened for the move logged in as the configured user (the default user is off).
			assertThat(ours(target)).isNotEmpty().allSatisfy((client) -> assertThat(client.get("user")).isEqualTo("app"));
			assertThat(recorder.events(SubscriptionMovedEvent.class)).isNotEmpty();
		}
	}

	@Test
	void refusedCredentialsFailTheStartSayingAuthenticationFailedWithoutRetrying(CapturedOutput output)
			throws InterruptedException {
		assertRefused(output, "app", WRONG_PASSWORD, "as ACL user 'app'");
		assertRefused(output, "nobody", APP_PASSWORD, "as ACL user 'nobody'");
		assertRefused(output, null, WRONG_PASSWORD, "as the default user");
		assertRefused(output, null, null, "as the default user");
		assertThat(output).doesNotContain(WRONG_PASSWORD).doesNotContain(APP_PASSWORD);
	}

	private void assertRefused(CapturedOutput output, String username, String password, String as)
			throws InterruptedException {
		long before = connectionsReceived();
		int printed = count(output, "APPLICATION FAILED TO START");
		List<String> properties = new ArrayList<>(List.of("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
				"test.channels=orders:{a}"));
		if (username != null) {
			properties.add("spring.data.redis.username=" + username);
		}
		if (password != null) {
			properties.add("spring.data.redis.password=" + password);
		}
		assertThatException().isThrownBy(() -> RecordingApp.run(properties.toArray(String[]::new)))
			.satisfies((failure) -> assertThat(failure).hasCauseInstanceOf(ClusterAuthenticationException.class));
		long afterFailure = connectionsReceived();
		assertThat(count(output, "APPLICATION FAILED TO START")).isEqualTo(printed + 1);
		assertThat(output).contains("Shard Pub/Sub could not load the Redis Cluster topology: authentication failed at ")
			.contains(as + " (the server answered '")
			.contains("Check spring.data.redis.username and spring.data.redis.password");
		// One attempt per seed node (plus the handshake's fallback), nothing after the failed start.
		assertThat(afterFailure - before).isLessThanOrEqualTo(2L * cluster.nodes().size());
		Thread.sleep(1500);
		assertThat(connectionsReceived()).isEqualTo(afterFailure);
	}

	@Test
	void passwordsAppearInNoLogEventMetricOrEndpoint(CapturedOutput output) throws Exception {
		String channel = "orders:{leak}";
		try (ConfigurableApplicationContext context = RecordingApp.run(WebApplicationType.SERVLET,
				"spring.data.redis.cluster.nodes=" + cluster.nodesProperty(), "spring.data.redis.username=app",
				"spring.data.redis.password=" + APP_PASSWORD, "test.channels=" + channel + ",secret:{other}",
				"server.port=0", "management.endpoints.web.exposure.include=health,shardsubscriptions",
				"management.endpoint.health.show-details=always", "logging.level.dev.shardpubsub=DEBUG")) {
			RecordingApp.awaitSubscribed(context, channel);
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			// A failure (forbidden channel), a move, and a lost connection.
			await().atMost(WAIT).until(() -> failure(recorder, "secret:{other}") != null);
			int slot = cluster.slotOf(channel);
			RedisNode owner = cluster.ownerOf(slot);
			RedisNode target = cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();
			cluster.operations().setSlotNode(slot, target);
			await().atMost(WAIT).until(() -> target.address().equals(RecordingApp.state(context, channel).node()));
			for (ClientInfo client : ours(target)) {
				target.execute("CLIENT", "KILL", "ID", Long.toString(client.id()));
			}
			await().atMost(WAIT).until(() -> !ours(target).isEmpty()
					&& RecordingApp.state(context, channel).state() == State.SUBSCRIBED);
			assertThat(publish(context, channel, "x")).isEqualTo(1);

			List<String> events = recorder.events.stream().map(ShardPubSubEvent::toString).toList();
			assertThat(events).isNotEmpty().noneMatch(this::leaks);

			MeterRegistry meters = context.getBean(MeterRegistry.class);
			List<String> meterIds = meters.getMeters().stream().map(Meter::getId).map(Object::toString).toList();
			assertThat(meterIds).anyMatch((id) -> id.startsWith("MeterId{name='shard.pubsub"));
			assertThat(meterIds).noneMatch(this::leaks);

			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpClient http = HttpClient.newHttpClient();
			for (String path : List.of("/actuator/shardsubscriptions", "/actuator/shardsubscriptions/"
					+ RecordingApp.LISTENER_ID, "/actuator/health")) {
				HttpResponse<String> response = http.send(
						HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
						HttpResponse.BodyHandlers.ofString());
				assertThat(response.statusCode()).as(path).isIn(200, 503);
				assertThat(response.body()).as(path)
					.contains(path.equals("/actuator/health") ? "shardPubSub" : target.address())
					.matches((body) -> !leaks(body));
			}
		}
		// A failed start with a wrong password, logged with its failure analysis and stack trace.
		assertThatException().isThrownBy(() -> RecordingApp.run("spring.data.redis.cluster.nodes="
				+ cluster.nodesProperty(), "spring.data.redis.username=app", "spring.data.redis.password="
				+ WRONG_PASSWORD, "test.channels=orders:{a}", "logging.level.dev.shardpubsub=DEBUG"));
		assertThat(output).contains("Subscription").contains("APPLICATION FAILED TO START");
		assertThat(leaks(output.getAll())).isFalse();
	}

	private boolean leaks(String text) {
		return text.contains(APP_PASSWORD) || text.contains(ADMIN_PASSWORD) || text.contains(WRONG_PASSWORD);
	}

	private static ConfigurableApplicationContext run(String username, String password, String channels) {
		return RecordingApp.run("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
				"spring.data.redis.username=" + username, "spring.data.redis.password=" + password,
				"test.channels=" + channels);
	}

	private static long publish(ConfigurableApplicationContext context, String channel, String payload) {
		return context.getBean(ShardPublisher.class).publish(channel, payload.getBytes(StandardCharsets.UTF_8));
	}

	private static SubscriptionFailedEvent failure(RecordingApp.Recorder recorder, String channel) {
		return recorder.events(SubscriptionFailedEvent.class).stream()
			.filter((event) -> event.getChannels().contains(channel))
			.findFirst()
			.orElse(null);
	}

	private static List<ClientInfo> ours(RedisNode node) {
		return node.clientList().stream().filter((client) -> LettuceNodeSubscriptionClient.CLIENT_NAME.equals(client.name())).toList();
	}

	private static long connectionsReceived() {
		long total = 0;
		for (RedisNode node : cluster.nodes()) {
			String stats = node.commands().info("stats");
			total += stats.lines().filter((line) -> line.startsWith("total_connections_received:"))
				.mapToLong((line) -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
				.sum();
			// Our own INFO connection is already open: it does not count.
		}
		return total;
	}

	private static int count(CapturedOutput output, String text) {
		return (int) output.getAll().lines().filter((line) -> line.contains(text)).count();
	}

}
