package dev.shardpubsub.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The publisher's own JVM: an {@link IndependentPublisher} on one channel, started by the suite as a child process
 * so that its work and its pauses are not the application's. Prints {@code PUBLISHING} once it runs (after its
 * warm-up); on
 * {@code stop} (or the end of its input) it stops, writes its {@link PublishLog} and prints {@code DONE}.
 * <p>
 * Arguments: nodes ({@code host:port,…}), channel, messages per second, capacity (most sequence numbers), log file.
 */
public final class PublisherMain {

	private PublisherMain() {
	}

	public static void main(String[] args) throws Exception {
		List<String> addresses = List.of(args[0].split(","));
		String channel = args[1];
		int rate = Integer.parseInt(args[2]);
		PublishLog log = new PublishLog(Integer.parseInt(args[3]));
		Path file = Path.of(args[4]);
		try (PlainLettuce lettuce = new PlainLettuce();
				IndependentPublisher publisher = new IndependentPublisher(lettuce.client(), addresses, channel, rate,
						log)) {
			publisher.start();
			publisher.awaitWarmedUp();
			System.out.println("PUBLISHING " + channel + " at " + rate + " msg/s");
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null && !line.trim().equals("stop")) {
				// wait
			}
			publisher.stop();
			log.writeTo(file);
			System.out.println("DONE " + log.size() + " sequence numbers");
		}
		System.exit(0);
	}

}
