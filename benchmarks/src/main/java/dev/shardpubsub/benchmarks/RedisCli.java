package dev.shardpubsub.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.shardpubsub.test.RedisNode;

/**
 * The server's own command-line client, run as a separate process for every command, as an operator would: the
 * disruptions the suite measures are driven from outside the JVM under test.
 */
final class RedisCli {

	private final String executable;

	private RedisCli(String executable) {
		this.executable = executable;
	}

	/**
	 * The client that belongs to a server: {@code redis-cli} (or {@code valkey-cli}) beside it when executable,
	 * else {@code redis-cli} from the {@code PATH}.
	 * @param server the server executable
	 * @return the client
	 */
	static RedisCli besides(String server) {
		Path directory = Path.of(server).toAbsolutePath().getParent();
		if (directory != null) {
			for (String name : List.of("redis-cli", "valkey-cli")) {
				Path candidate = directory.resolve(name);
				if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return new RedisCli(candidate.toString());
				}
			}
		}
		return new RedisCli("redis-cli");
	}

	static RedisCli of(String executable) {
		return new RedisCli(executable);
	}

	String executable() {
		return this.executable;
	}

	/**
	 * Run one command on one node.
	 * @param port the node's port on 127.0.0.1
	 * @param args the command and its arguments
	 * @return what it printed
	 */
	String call(int port, String... args) {
		List<String> command = new ArrayList<>(List.of(this.executable, "-h", "127.0.0.1", "-p", Integer.toString(port)));
		command.addAll(List.of(args));
		String output = run(command, 30);
		if (output.startsWith("ERR") || output.startsWith("(error)")) {
			throw new IllegalStateException(String.join(" ", command) + ": " + output.trim());
		}
		return output;
	}

	/**
	 * Move a slot without keys with the commands {@code redis-cli --cluster reshard} sends for it, one process each:
	 * {@code IMPORTING} on the target, {@code MIGRATING} on the source, {@code NODE} on the target, on the source,
	 * then on every other master.
	 * @param slot the slot
	 * @param source its owner
	 * @param target the new owner
	 * @param otherMasters the other masters
	 */
	void moveEmptySlot(int slot, RedisNode source, RedisNode target, List<RedisNode> otherMasters) {
		String s = Integer.toString(slot);
		call(target.port(), "CLUSTER", "SETSLOT", s, "IMPORTING", source.nodeId());
		call(source.port(), "CLUSTER", "SETSLOT", s, "MIGRATING", target.nodeId());
		call(target.port(), "CLUSTER", "SETSLOT", s, "NODE", target.nodeId());
		call(source.port(), "CLUSTER", "SETSLOT", s, "NODE", target.nodeId());
		for (RedisNode master : otherMasters) {
			if (master != source && master != target) {
				call(master.port(), "CLUSTER", "SETSLOT", s, "NODE", target.nodeId());
			}
		}
	}

	/**
	 * {@code redis-cli --cluster reshard} of the source's lowest slots to the target, keys migrated with
	 * {@code MIGRATE} in batches.
	 * @param anyPort a node of the cluster
	 * @param fromId the source's node id
	 * @param toId the target's node id
	 * @param slots how many slots
	 * @param pipeline keys per {@code MIGRATE}
	 * @return what it printed
	 */
	String reshard(int anyPort, String fromId, String toId, int slots, int pipeline) {
		return run(List.of(this.executable, "--cluster", "reshard", "127.0.0.1:" + anyPort, "--cluster-from", fromId,
				"--cluster-to", toId, "--cluster-slots", Integer.toString(slots), "--cluster-pipeline",
				Integer.toString(pipeline), "--cluster-yes"), 120);
	}

	/**
	 * Send a signal with {@code kill}.
	 * @param signal e.g. {@code 9}
	 * @param pid the process
	 */
	static void kill(int signal, long pid) {
		run(List.of("kill", "-" + signal, Long.toString(pid)), 10);
	}

	private static String run(List<String> command, int timeoutSeconds) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("Timed out: " + String.join(" ", command));
			}
			String text = new String(output, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
						+ ": " + tail(text));
			}
			return text;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run " + command.get(0), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	private static String tail(String text) {
		return (text.length() > 2000) ? text.substring(text.length() - 2000) : text;
	}

}
