package dev.shardpubsub.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A subscriber in a process of its own, the starter's application ({@link AppMain}) or node-redis 6.3.1
 * ({@code benchmarks/node/peer.mjs}): both print {@code SUBSCRIBED} once the measured channel is subscribed, and on
 * {@code dump} write how many times each sequence number arrived (one byte each) and print {@code DUMPED}.
 */
final class SubscriberProcess implements AutoCloseable {

	private final ChildProcess process;

	private final Path countsFile;

	private SubscriberProcess(ChildProcess process, Path countsFile) {
		this.process = process;
		this.countsFile = countsFile;
	}

	/**
	 * Start the starter's application in a fresh JVM.
	 * @param nodes the cluster's nodes, {@code host:port,…}
	 * @param channel the measured channel
	 * @param channels the application's channels, the measured one included
	 * @param capacity the most sequence numbers
	 * @param countsFile where it writes its counts
	 * @param echo where its output goes
	 * @return the running application
	 */
	static SubscriberProcess ours(String nodes, String channel, int channels, int capacity, Path countsFile,
			PrintStream echo) {
		List<String> command = ChildProcess.java(AppMain.class, List.of("-Xmx512m"), List.of(nodes, channel,
				Integer.toString(channels), Integer.toString(capacity), countsFile.toString()));
		return start(ChildProcess.start("ours", command, null, echo), countsFile);
	}

	/**
	 * Install node-redis if needed, start it and wait until it is subscribed.
	 * @param directory the folder of {@code peer.mjs} and {@code package.json}
	 * @param nodes the cluster's nodes, {@code host:port,…}
	 * @param channel the channel
	 * @param capacity the most sequence numbers
	 * @param countsFile where it writes its counts
	 * @param echo where its output goes
	 * @return the running peer
	 */
	static SubscriberProcess nodeRedis(Path directory, String nodes, String channel, int capacity, Path countsFile,
			PrintStream echo) {
		if (!Files.isRegularFile(directory.resolve("peer.mjs"))) {
			throw new IllegalStateException("No peer.mjs in " + directory.toAbsolutePath()
					+ "; run from the project root or give --node-dir");
		}
		if (!Files.isDirectory(directory.resolve("node_modules/redis"))) {
			echo.println("installing node-redis 6.3.1 (npm install) in " + directory);
			try (ChildProcess npm = ChildProcess.start("npm", List.of("npm", "install", "--no-audit", "--no-fund"),
					directory, echo)) {
				npm.collectUntilExit("", Duration.ofMinutes(3));
			}
		}
		return start(ChildProcess.start("node-redis",
				List.of("node", "peer.mjs", nodes, channel, Integer.toString(capacity), countsFile.toString()),
				directory, echo), countsFile);
	}

	private static SubscriberProcess start(ChildProcess process, Path countsFile) {
		try {
			process.await("SUBSCRIBED", Duration.ofSeconds(60));
			return new SubscriberProcess(process, countsFile);
		}
		catch (RuntimeException ex) {
			process.close();
			throw ex;
		}
	}

	/**
	 * Ask for the counts and wait for them.
	 * @return how many times each sequence number arrived
	 */
	byte[] counts() {
		this.process.send("dump");
		this.process.await("DUMPED", Duration.ofSeconds(30));
		try {
			byte[] counts = Files.readAllBytes(this.countsFile);
			Files.deleteIfExists(this.countsFile);
			return counts;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not read " + this.countsFile, ex);
		}
	}

	/**
	 * The lines it printed that start with a prefix.
	 * @param prefix the prefix
	 * @return the lines, in order
	 */
	List<String> printed(String prefix) {
		return new ArrayList<>(this.process.printed(prefix));
	}

	@Override
	public void close() {
		this.process.close();
	}

}
