package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.test.EmbeddedRedisCluster;

/**
 * Two figures of the foundation: how long a cold subscribe of 10,000 channels takes (one {@code SSUBSCRIBE} per
 * slot, on 3 masters), and how many messages per second one {@code @ShardListener} on one channel handles, fed by
 * an independent, pipelining Lettuce publisher.
 * <p>
 * Run: {@code java -cp benchmarks/target/shard-pubsub-benchmarks.jar
 * -Dloader.main=dev.shardpubsub.benchmarks.ThroughputBenchmark
 * org.springframework.boot.loader.launch.PropertiesLauncher}; {@code -Dbench.channels}, {@code -Dbench.messages}.
 */
public final class ThroughputBenchmark {

	private ThroughputBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int channelCount = Integer.getInteger("bench.channels", 10_000);
		int messages = Integer.getInteger("bench.messages", 300_000);
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder().masters(3).replicasPerMaster(1).start()) {
			System.out.println(MachineFacts.describe(cluster.nodes().get(0)));
			ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
				.web(WebApplicationType.NONE)
				.bannerMode(Banner.Mode.OFF)
				.logStartupInfo(false)
				.properties("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())
				.run();
			try {
				ShardSubscriptions subscriptions = context.getBean(ShardSubscriptions.class);
				for (int round = 1; round <= 3; round++) {
					int r = round;
					List<String> channels = IntStream.range(0, channelCount).mapToObj((i) -> "cold" + r + ":" + i).toList();
					long started = System.nanoTime();
					subscriptions.subscribe("cold-" + round, channels, (message) -> {
					});
					// Polled every 10 ms: the read API copies every channel's state, which costs CPU on 2 cores
					while (subscribed(subscriptions, "cold-" + round) < channelCount) {
						Thread.sleep(10);
					}
					long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
					System.out.printf("cold subscribe, round %d: %,d channels in %d ms%n", round, channelCount, millis);
					subscriptions.unsubscribe("cold-" + round);
				}
				Counter counter = context.getBean(Counter.class);
				RedisClusterClient publisherClient = RedisClusterClient.create(cluster.redisUris());
				try (StatefulRedisClusterConnection<String, String> publisher = publisherClient.connect()) {
					for (int round = 1; round <= 3; round++) {
						long before = counter.received.get();
						long started = System.nanoTime();
						RedisFuture<Long> last = null;
						for (int i = 0; i < messages; i++) {
							last = publisher.async().spublish("throughput:{one}", Integer.toString(i));
							if (i % 10_000 == 9_999) {
								last.get();
							}
						}
						last.get();
						long published = System.nanoTime();
						while (counter.received.get() - before < messages
								&& System.nanoTime() - published < Duration.ofSeconds(30).toNanos()) {
							Thread.sleep(1);
						}
						double seconds = (System.nanoTime() - started) / 1e9;
						long received = counter.received.get() - before;
						System.out.printf(
								"one @ShardListener, round %d: %,d messages handled in %.2f s = %,.0f msg/s "
										+ "(publisher alone: %,.0f msg/s)%n",
								round, received, seconds, received / seconds,
								messages / ((published - started) / 1e9));
					}
				}
				finally {
					publisherClient.shutdown();
				}
			}
			finally {
				context.close();
			}
		}
	}

	private static long subscribed(ShardSubscriptions subscriptions, String listenerId) {
		return subscriptions.channels()
			.stream()
			.filter((channel) -> channel.listenerIds().contains(listenerId)
					&& channel.state() == ChannelSubscription.State.SUBSCRIBED)
			.count();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Counter counter() {
			return new Counter();
		}

	}

	/**
	 * The listener under test: counts what it handles.
	 */
	public static class Counter {

		final AtomicLong received = new AtomicLong();

		@ShardListener(id = "throughput", channels = "throughput:{one}")
		public void onMessage(String payload) {
			this.received.incrementAndGet();
		}

	}

}
