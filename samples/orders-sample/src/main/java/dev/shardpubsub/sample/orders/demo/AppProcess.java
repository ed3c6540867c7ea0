package dev.shardpubsub.sample.orders.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample application in a JVM of its own ({@code java -jar orders-sample.jar --spring.profiles.active=demo}),
 * pointed at the cluster, and its HTTP endpoints.
 */
final class AppProcess implements AutoCloseable {

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final Process process;

	private final Path log;

	private final int port;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private AppProcess(Process process, Path log, int port) {
		this.process = process;
		this.log = log;
		this.port = port;
	}

	static AppProcess start(String jar, String nodes, int port, Path log) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-jar", jar, "--spring.profiles.active=demo",
				"--spring.data.redis.cluster.nodes=" + nodes, "--server.port=" + port,
				"--sample.live.parent-pid=" + ProcessHandle.current().pid()));
		Files.createDirectories(log.getParent());
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new AppProcess(process, log, port);
	}

	String url() {
		return "http://localhost:" + this.port;
	}

	Path log() {
		return this.log;
	}

	long pid() {
		return this.process.pid();
	}

	/**
	 * Wait until the app answers and every channel is subscribed.
	 * @param timeout how long to wait
	 * @return the number of channels
	 */
	int awaitReady(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		String last = "not started";
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("The app exited with " + this.process.exitValue() + ": see "
						+ this.log);
			}
			try {
				JsonNode ready = get("/live/ready");
				int channels = ready.get("channels").asInt();
				last = ready.get("subscribed").asInt() + " of " + channels + " channels subscribed";
				if (channels > 0 && ready.get("subscribed").asInt() == channels) {
					return channels;
				}
			}
			catch (RuntimeException ex) {
				last = ex.getMessage();
			}
			DemoCluster.sleep(200);
		}
		throw new IllegalStateException("The app was not ready after " + timeout.toSeconds() + " s (" + last
				+ "): see " + this.log);
	}

	JsonNode get(String path) {
		return send(HttpRequest.newBuilder(URI.create(url() + path)).GET());
	}

	void post(String path) {
		send(HttpRequest.newBuilder(URI.create(url() + path)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	private JsonNode send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = this.http.send(request.timeout(Duration.ofSeconds(10)).build(),
					HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() / 100 != 2) {
				throw new IllegalStateException(response.uri() + " answered " + response.statusCode());
			}
			return response.body().isEmpty() ? null : json.readTree(response.body());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex.toString(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroy();
			try {
				if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				this.process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
	}

}
