package dev.shardpubsub.integration;

import java.time.Duration;
import java.util.Random;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.metrics.ShardListenerMetrics;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedRedisCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Payloads at the edges, through {@link ShardPublisher} and a {@code byte[]} {@code @ShardListener} on a real
 * cluster: a 10 MB message and every byte value arrive intact, and a listener whose queue overflows on one channel
 * drops (counted, logged) only there while its other channels receive everything.
 */
@ExtendWith(OutputCaptureExtension.class)
class PayloadIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static EmbeddedRedisCluster cluster;

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() {
		cluster = EmbeddedRedisCluster.builder().masters(2).replicasPerMaster(0).start();
		context = RecordingApp.run("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
				"test.channels=large:{l},binary:{b},slow:{s},fast:{f}", "shard-pubsub.listener.queue-capacity=4");
		RecordingApp.awaitSubscribed(context, "large:{l}", "binary:{b}", "slow:{s}", "fast:{f}");
	}

	@AfterAll
	static void stop() {
		context.close();
		cluster.close();
	}

	@Test
	void tenMegabyteMessageArrivesIntact() {
		byte[] large = new byte[10 * 1024 * 1024];
		new Random(42).nextBytes(large);
		assertThat(publisher().publish("large:{l}", large)).isEqualTo(1);
		await().atMost(WAIT).until(() -> recorder().received("large:{l}").size() == 1);
		assertThat(recorder().received("large:{l}").get(0)).isEqualTo(large);
	}

	@Test
	void everyByteValueArrivesIntact() {
		byte[] all = new byte[256 * 2];
		for (int i = 0; i < all.length; i++) {
			all[i] = (byte) i;
		}
		byte[] invalidUtf8 = { (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0, (byte) 0x80, '\r', '\n' };
		byte[] single = { 0 };
		for (byte[] payload : new byte[][] { all, invalidUtf8, single }) {
			assertThat(publisher().publish("binary:{b}", payload)).isEqualTo(1);
		}
		await().atMost(WAIT).until(() -> recorder().received("binary:{b}").size() == 3);
		assertThat(recorder().received("binary:{b}")).containsExactly(all, invalidUtf8, single);
	}

	@Test
	void overflowOnOneChannelDropsOnlyThereAndIsCounted(CapturedOutput output) {
		ShardListenerEndpointRegistry registry = context.getBean(ShardListenerEndpointRegistry.class);
		for (int i = 0; i < 20; i++) {
			publisher().publish("slow:{s}", new byte[] { (byte) i });
		}
		// The other channel of the same listener gets everything while the slow one is stuck (sent no faster
		// than it is handled: its own queue holds four messages too).
		for (int i = 0; i < 50; i++) {
			publisher().publish("fast:{f}", new byte[] { (byte) i });
			int expected = i + 1;
			await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
				.until(() -> recorder().received("fast:{f}").size() == expected);
		}
		for (int i = 0; i < 50; i++) {
			assertThat(recorder().received("fast:{f}").get(i)).containsExactly((byte) i);
		}
		// One message in the handler, four queued (five if one arrived before the first was taken), the rest dropped.
		await().atMost(WAIT).until(() -> registry.droppedCount() >= 15);
		long dropped = registry.droppedCount();
		assertThat(dropped).isBetween(15L, 16L);
		MeterRegistry meters = context.getBean(MeterRegistry.class);
		assertThat(meters.get(ShardListenerMetrics.MESSAGES_HANDLED)
			.tags("listener.id", RecordingApp.LISTENER_ID, "result", "dropped")
			.counter()
			.count()).isEqualTo(dropped);
		assertThat(output).contains("Listener '" + RecordingApp.LISTENER_ID + "' dropped")
			.contains("channel 'slow:{s}'")
			.doesNotContain("channel 'fast:{f}'");
		recorder().releaseSlow.countDown();
		await().atMost(WAIT).until(() -> recorder().received("slow:{s}").size() == 20 - dropped);
		assertThat(recorder().received("slow:{s}").get(0)).containsExactly((byte) 0);
	}

	private static ShardPublisher publisher() {
		return context.getBean(ShardPublisher.class);
	}

	private static RecordingApp.Recorder recorder() {
		return RecordingApp.recorder(context);
	}

}
