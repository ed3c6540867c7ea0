package dev.shardpubsub.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.lettuce.core.cluster.SlotHash;

import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;

/**
 * The starter's application in a fresh JVM of its own, as node-redis runs in its own process: started by the suite
 * for every round, so that each round's first move is the first after start. Prints {@code SUBSCRIBED} once all
 * its channels are, a {@code MOVED <slot> <gap µs> <detected nanos> <reason>} line for every move of the measured
 * slot, and on {@code dump} writes its counts and prints {@code DUMPED}.
 * <p>
 * Arguments: nodes ({@code host:port,…}), measured channel, number of channels, capacity, counts file.
 */
public final class AppMain {

	private AppMain() {
	}

	public static void main(String[] args) throws Exception {
		String channel = args[1];
		int channels = Integer.parseInt(args[2]);
		ReceiptLog receipts = new ReceiptLog(Integer.parseInt(args[3]));
		int slot = SlotHash.getSlot(channel);
		MovePrinter moves = new MovePrinter(slot);
		long launched = System.nanoTime();
		ConfigurableApplicationContext context = BenchmarkApplication.start(args[0], channel, channels - 1, receipts,
				moves);
		long started = System.nanoTime();
		awaitSubscribed(context.getBean(ShardSubscriptions.class), channels);
		System.out.printf(Locale.ROOT, "SUBSCRIBED %d channels, Spring Boot started in %d ms, all subscribed %d ms later%n",
				channels, (started - launched) / 1_000_000, (System.nanoTime() - started) / 1_000_000);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null && !line.trim().equals("dump")) {
			// the suite disrupts the cluster meanwhile
		}
		receipts.writeCounts(Path.of(args[4]));
		System.out.println("DUMPED rejected=" + receipts.rejected());
		System.out.flush();
		Runtime.getRuntime().halt(0);
		context.close();
	}

	/**
	 * Prints the moves of the measured slot.
	 */
	static final class MovePrinter implements ApplicationListener<SubscriptionMovedEvent> {

		private final int slot;

		MovePrinter(int slot) {
			this.slot = slot;
		}

		@Override
		public void onApplicationEvent(SubscriptionMovedEvent event) {
			if (event.getSlot() == this.slot) {
				System.out.printf(Locale.ROOT, "MOVED %d %d %d %s%n", this.slot, event.getGap().toNanos() / 1000,
						event.getDetectedNanos(), event.getReason());
			}
		}

	}

	private static void awaitSubscribed(ShardSubscriptions subscriptions, int channels) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (System.nanoTime() < deadline) {
			long subscribed = subscriptions.channels().stream()
				.filter((state) -> state.state() == ChannelSubscription.State.SUBSCRIBED)
				.count();
			if (subscribed >= channels) {
				return;
			}
			Thread.sleep(10);
		}
		throw new IllegalStateException("Not all " + channels + " channels subscribed within 60 s");
	}

}
