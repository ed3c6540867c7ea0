package dev.shardpubsub.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * node-redis 6.3.1 in a process of its own ({@code benchmarks/node/peer.mjs}), subscribed to the measured channel
 * in the same run as the starter: installed with {@code npm install} on first use.
 */
final class NodeRedisPeer implements AutoCloseable {

	private final ChildProcess process;

	private final Path countsFile;

	private NodeRedisPeer(ChildProcess process, Path countsFile) {
		this.process = process;
		this.countsFile = countsFile;
	}

	/**
	 * Install node-redis if needed, start the peer and wait until it is subscribed.
	 * @param directory the folder of {@code peer.mjs} and {@code package.json}
	 * @param nodes the cluster's nodes, {@code host:port,…}
	 * @param channel the channel
	 * @param capacity the most sequence numbers
	 * @param countsFile where it writes its counts
	 * @param echo where its output goes
	 * @return the running peer
	 */
	static NodeRedisPeer start(Path directory, String nodes, String channel, int capacity, Path countsFile,
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
		ChildProcess process = ChildProcess.start("node-redis",
				List.of("node", "peer.mjs", nodes, channel, Integer.toString(capacity), countsFile.toString()),
				directory, echo);
		process.await("SUBSCRIBED", Duration.ofSeconds(30));
		return new NodeRedisPeer(process, countsFile);
	}

	/**
	 * Ask for the counts and wait for the process to end.
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

	@Override
	public void close() {
		this.process.close();
	}

}
