package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.function.Supplier;

/** Polling with a deadline, for conditions that the cluster reaches on its own time. */
final class Waits {

	static final Duration POLL_INTERVAL = Duration.ofMillis(50);

	private Waits() {
	}

	/**
	 * Poll until the check answers {@code null}.
	 * @param timeout how long to wait
	 * @param what what is awaited, for the message
	 * @param check {@code null} when done, else why not yet
	 * @throws IllegalStateException on timeout, with the last answer
	 */
	static void until(Duration timeout, String what, Supplier<String> check) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			String problem = check.get();
			if (problem == null) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(
						"Timed out after " + timeout.toMillis() + " ms waiting for " + what + ":\n" + problem);
			}
			sleep(POLL_INTERVAL);
		}
	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
