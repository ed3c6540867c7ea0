package dev.shardpubsub.sample.orders.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code redis-cli --cluster} (or {@code valkey-cli}): the tool operators reshard, add and remove nodes with. Found
 * next to the server binary first (Valkey's folder holds {@code valkey-cli}), then on the {@code PATH}. Each run's
 * output goes to a log file.
 */
final class RedisCli {

	private final Path executable;

	private final Path log;

	private RedisCli(Path executable, Path log) {
		this.executable = executable;
		this.log = log;
	}

	static RedisCli find(String server, Path log) {
		List<Path> candidates = new ArrayList<>();
		if (server != null) {
			Path folder = Path.of(server).toAbsolutePath().getParent();
			candidates.add(folder.resolve("redis-cli"));
			candidates.add(folder.resolve("valkey-cli"));
		}
		for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
			if (!dir.isEmpty()) {
				candidates.add(Path.of(dir, "redis-cli"));
				candidates.add(Path.of(dir, "valkey-cli"));
			}
		}
		return candidates.stream()
			.filter((path) -> Files.isRegularFile(path) && Files.isExecutable(path))
			.findFirst()
			.map((path) -> new RedisCli(path, log))
			.orElse(null);
	}

	Path executable() {
		return this.executable;
	}

	/**
	 * Run {@code <cli> --cluster <args>} and fail unless it exits with 0.
	 * @param timeoutSeconds how long it may take
	 * @param args the arguments after {@code --cluster}
	 * @return its output
	 */
	String cluster(int timeoutSeconds, String... args) {
		Result result = tryCluster(timeoutSeconds, args);
		if (result.exit() != 0) {
			throw new IllegalStateException(this.executable.getFileName() + " --cluster " + String.join(" ", args)
					+ " exited with " + result.exit() + ":\n" + tail(result.output(), 15));
		}
		return result.output();
	}

	Result tryCluster(int timeoutSeconds, String... args) {
		List<String> command = new ArrayList<>(List.of(this.executable.toString(), "--cluster"));
		command.addAll(List.of(args));
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			process.getOutputStream().close();
			byte[] output = process.getInputStream().readAllBytes();
			if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " took longer than " + timeoutSeconds
						+ " s");
			}
			String text = new String(output, StandardCharsets.UTF_8);
			Files.writeString(this.log, "$ " + String.join(" ", command) + "\n" + text + "\n",
					StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
					java.nio.file.StandardOpenOption.APPEND);
			return new Result(process.exitValue(), text);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run " + command, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted: " + command, ex);
		}
	}

	private static String tail(String text, int lines) {
		String[] all = text.split("\n");
		return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
	}

	record Result(int exit, String output) {
	}

}
