package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.test.EmbeddedRedisCluster;

/**
 * One {@code @ShardListener} against a raw Lettuce {@code RedisClusterPubSubListener}, each alone on a channel of
 * the same slot, fed in turn by the same pipelining Lettuce publisher: messages handled per second from the first
 * publish to the last receipt. The publisher shares the two cores, so both may be held back by it; its own rate is
 * printed beside. One unmeasured round each, then five alternating; the ratio is the median of each round's ours ÷
 * raw. A round ends when all arrived or nothing arrived for 500 ms (a listener whose queue is full drops messages;
 * the rate counts what was handled).
 */
final class ThroughputComparison {

	static final String OURS = "tp:{one}:ours";

	static final String RAW = "tp:{one}:raw";

	private static final int ROUNDS = 5;

	private static final long IDLE_NANOS = Duration.ofMillis(500).toNanos();

	private ThroughputComparison() {
	}

	/**
	 * @return our median rate, raw Lettuce's median rate, and the median of the ratios of neighbouring rounds, msg/s
	 */
	static double[] run(EmbeddedRedisCluster cluster, int messages, PrintStream out) throws Exception {
		AtomicLong raw = new AtomicLong();
		double[] ours = new double[ROUNDS];
		double[] lettuce = new double[ROUNDS];
		double[] ratios = new double[ROUNDS];
		RedisClusterClient client = RedisClusterClient.create(cluster.redisUris());
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())
			.run();
				StatefulRedisClusterPubSubConnection<String, String> subscriber = client.connectPubSub();
				StatefulRedisClusterConnection<String, String> publisher = client.connect()) {
			subscriber.addListener(new RedisClusterPubSubAdapter<>() {

				@Override
				public void smessage(RedisClusterNode node, String channel, String message) {
					raw.incrementAndGet();
				}

			});
			subscriber.sync().ssubscribe(RAW);
			AtomicLong counter = context.getBean(Counter.class).received;
			MoveScenario.sleep(1000);
			// one unmeasured round each: the JIT
			round(publisher, RAW, raw, messages / 2, "raw Lettuce listener", 0, out);
			round(publisher, OURS, counter, messages / 2, "@ShardListener", 0, out);
			for (int round = 0; round < ROUNDS; round++) {
				lettuce[round] = round(publisher, RAW, raw, messages, "raw Lettuce listener", round + 1, out);
				ours[round] = round(publisher, OURS, counter, messages, "@ShardListener", round + 1, out);
				ratios[round] = ours[round] / lettuce[round];
			}
		}
		finally {
			client.shutdown();
		}
		return new double[] { median(ours), median(lettuce), median(ratios) };
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

	private static double round(StatefulRedisClusterConnection<String, String> publisher, String channel,
			AtomicLong counter, int messages, String name, int round, PrintStream out) throws Exception {
		long before = counter.get();
		long started = System.nanoTime();
		RedisFuture<Long> last = null;
		for (int i = 0; i < messages; i++) {
			last = publisher.async().spublish(channel, Integer.toString(i));
			if (i % 10_000 == 9_999) {
				last.get();
			}
		}
		last.get();
		long published = System.nanoTime();
		// until all arrived, or nothing arrived for 500 ms (a full listener queue drops messages)
		long seen = counter.get();
		long progressed = System.nanoTime();
		while (seen - before < messages && System.nanoTime() - progressed < IDLE_NANOS) {
			Thread.sleep(1);
			long now = counter.get();
			if (now != seen) {
				seen = now;
				progressed = System.nanoTime();
			}
		}
		double seconds = (progressed - started) / 1e9;
		long received = seen - before;
		double rate = received / seconds;
		out.printf(Locale.ROOT, "  %-20s round %d: %,d of %,d handled in %.2f s = %,.0f msg/s (publisher alone %,.0f msg/s)%s%n",
				name, round, received, messages, seconds, rate, messages / ((published - started) / 1e9),
				(received < messages) ? ", " + (messages - received) + " NOT HANDLED" : "");
		MoveScenario.sleep(500);
		return rate;
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

		/**
		 * Count one message.
		 * @param payload the payload
		 */
		@ShardListener(id = "throughput", channels = OURS)
		public void onMessage(String payload) {
			this.received.incrementAndGet();
		}

	}

}
