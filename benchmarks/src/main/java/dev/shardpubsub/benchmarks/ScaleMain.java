package dev.shardpubsub.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.event.SubscriptionMovedEvent;

/**
 * A fresh JVM with one {@code @ShardListener} on many channels ({@code scale:0} …), started by the suite: prints
 * {@code COLD} with the time from Spring Boot's "Started" to all channels subscribed on the masters (the sum of
 * {@code pubsubshard_channels} in their {@code INFO}), {@code HEAP} with the heap used after GC, and a {@code MOVED}
 * line with the resubscribe gap whenever the slot of {@code scale:0} moves (the suite moves it). Exits on
 * {@code exit}.
 * <p>
 * Arguments: nodes ({@code host:port,…}), number of channels.
 */
public final class ScaleMain {

	static final String WATCHED = "scale:0";

	private ScaleMain() {
	}

	public static void main(String[] args) throws Exception {
		List<String> nodes = List.of(args[0].split(","));
		int count = Integer.parseInt(args[1]);
		long heapBefore = heapAfterGc();
		try (PlainLettuce lettuce = new PlainLettuce()) {
			List<StatefulRedisConnection<String, String>> masters = new ArrayList<>();
			for (String node : nodes) {
				StatefulRedisConnection<String, String> connection = lettuce.client()
					.connect(RedisURI.create("redis://" + node));
				if ("master".equals(String.valueOf(connection.sync().role().get(0)))) {
					masters.add(connection);
				}
				else {
					connection.close();
				}
			}
			long already = subscribedOn(masters);
			Started started = new Started();
			long launched = System.nanoTime();
			ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
				.web(WebApplicationType.NONE)
				.bannerMode(Banner.Mode.OFF)
				.properties("spring.data.redis.cluster.nodes=" + args[0], "bench.scale-count=" + count)
				.listeners(started)
				.run();
			long all;
			long deadline = System.nanoTime() + 300_000_000_000L;
			while (subscribedOn(masters) - already < count && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			all = System.nanoTime();
			boolean complete = subscribedOn(masters) - already >= count;
			System.out.printf(Locale.ROOT, "COLD %d %d %d %s%n", count, (all - started.nanos) / 1_000_000,
					(started.nanos - launched) / 1_000_000, complete ? "complete" : "INCOMPLETE");
			long heap = heapAfterGc();
			System.out.printf(Locale.ROOT, "HEAP %d %d %d%n", count, heap, heapBefore);
			System.out.println("WATCHING " + SlotHash.getSlot(WATCHED));
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null && !line.trim().equals("exit")) {
				// the suite moves the slot meanwhile
			}
			// Closing 100k subscriptions is not measured; the server drops them with the connections.
			System.out.flush();
			Runtime.getRuntime().halt(0);
			context.close();
		}
	}

	private static long subscribedOn(List<StatefulRedisConnection<String, String>> masters) {
		long total = 0;
		for (StatefulRedisConnection<String, String> master : masters) {
			for (String line : master.sync().info("stats").split("\r?\n")) {
				if (line.startsWith("pubsubshard_channels:")) {
					total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
				}
			}
		}
		return total;
	}

	private static long heapAfterGc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(200);
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/**
	 * The time of Spring Boot's {@link ApplicationStartedEvent}, published right after its "Started" line.
	 */
	static final class Started implements ApplicationListener<ApplicationStartedEvent> {

		volatile long nanos;

		@Override
		public void onApplicationEvent(ApplicationStartedEvent event) {
			this.nanos = System.nanoTime();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Channels channels() {
			return new Channels();
		}

		@Bean
		ApplicationListener<SubscriptionMovedEvent> movedPrinter() {
			int watched = SlotHash.getSlot(WATCHED);
			return (event) -> {
				if (event.getSlot() == watched) {
					System.out.printf(Locale.ROOT, "MOVED %d %d %d %d%n", event.getSlot(),
							event.getGap().toNanos() / 1000, System.nanoTime(), event.getChannels().size());
				}
			};
		}

	}

	/**
	 * The listener under test.
	 */
	public static class Channels {

		/**
		 * @param count how many
		 * @return {@code scale:0} …
		 */
		public static List<String> names(int count) {
			return IntStream.range(0, count).mapToObj((i) -> "scale:" + i).toList();
		}

		/**
		 * Ignore a message.
		 * @param payload the payload
		 */
		@ShardListener(id = "scale",
				channels = "#{T(dev.shardpubsub.benchmarks.ScaleMain$Channels).names(${bench.scale-count})}")
		public void onMessage(String payload) {
		}

	}

}
