package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The container's command: a POSIX shell script (it runs under the official images' {@code /bin/sh}, dash or
 * busybox) that keeps one server process per node running, each with its own ports and {@code nodes-<port>.conf}.
 * <p>
 * Every node runs in a loop of its own, so that {@link #killCommand kill} and {@link #restartCommand restart} need
 * nothing but shell built-ins: a node whose marker file is not empty stays down until the marker is emptied, and
 * then starts again with the same configuration and node id. The script is PID 1 and stops the nodes itself on
 * {@code SIGTERM}; without its trap a stop would wait out the engine's kill timeout.
 */
final class ClusterStartScript {

	private static final String STATE = "/tmp";

	private ClusterStartScript() {
	}

	/**
	 * The script.
	 * @param ports client port of each node (inside the container the same as on the host)
	 * @param busPorts cluster bus port of each node
	 * @param announceHost the address the nodes announce, the one the host's clients connect to
	 * @param nodeTimeout {@code cluster-node-timeout}
	 * @param tls whether clients reach the nodes over TLS only ({@code tls-port}, no plaintext port)
	 * @param config further configuration for every node
	 * @return the script, for {@code /bin/sh -c}
	 */
	static String script(List<Integer> ports, List<Integer> busPorts, String announceHost, Duration nodeTimeout,
			boolean tls, Map<String, String> config) {
		StringBuilder script = new StringBuilder();
		script.append("export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH\n");
		script.append("if command -v valkey-server >/dev/null 2>&1; then server=valkey-server; ")
			.append("else server=redis-server; fi\n");
		script.append(": > ").append(STATE).append("/cluster-stopping\n");
		script.append("node() {\n")
			.append("  port=$1; shift\n")
			.append("  : > ").append(STATE).append("/node-$port.down\n")
			.append("  while [ ! -s ").append(STATE).append("/cluster-stopping ]; do\n")
			.append("    if [ -s ").append(STATE).append("/node-$port.down ]; then sleep 0.1; else \"$server\" \"$@\"; fi\n")
			.append("  done\n")
			.append("}\n");
		script.append("stop() {\n")
			.append("  echo 1 > ").append(STATE).append("/cluster-stopping\n")
			.append("  for f in ").append(STATE).append("/node-*.pid; do\n")
			.append("    [ -e \"$f\" ] && read p < \"$f\" && kill -CONT \"$p\" 2>/dev/null; ")
			.append("[ -e \"$f\" ] && kill -TERM \"$p\" 2>/dev/null\n")
			.append("  done\n")
			.append("}\n");
		script.append("trap stop TERM INT\n");
		for (int i = 0; i < ports.size(); i++) {
			script.append("node ").append(ports.get(i));
			for (String arg : nodeArguments(ports.get(i), busPorts.get(i), announceHost, nodeTimeout, tls, config)) {
				script.append(' ').append(quote(arg));
			}
			script.append(" &\n");
		}
		script.append("while [ ! -s ").append(STATE).append("/cluster-stopping ]; do wait; done\n");
		script.append("wait\n");
		return script.toString();
	}

	static List<String> nodeArguments(int port, int busPort, String announceHost, Duration nodeTimeout, boolean tls,
			Map<String, String> config) {
		List<String> args = new ArrayList<>();
		add(args, "port", tls ? "0" : String.valueOf(port));
		if (tls) {
			add(args, "tls-port", String.valueOf(port));
		}
		add(args, "cluster-enabled", "yes");
		add(args, "cluster-port", String.valueOf(busPort));
		add(args, "cluster-config-file", "nodes-" + port + ".conf");
		add(args, "cluster-node-timeout", String.valueOf(nodeTimeout.toMillis()));
		add(args, "cluster-announce-ip", announceHost);
		add(args, "cluster-announce-port", String.valueOf(port));
		add(args, "cluster-announce-bus-port", String.valueOf(busPort));
		add(args, "dir", STATE);
		add(args, "dbfilename", "dump-" + port + ".rdb");
		add(args, "save", "");
		add(args, "appendonly", "no");
		// A new replica's first sync would otherwise wait 5 s for more replicas to sync with at once.
		add(args, "repl-diskless-sync-delay", "0");
		add(args, "protected-mode", "no");
		add(args, "pidfile", pidFile(port));
		add(args, "logfile", "");
		config.forEach((key, value) -> add(args, key, value));
		return args;
	}

	private static void add(List<String> args, String key, String value) {
		args.add("--" + key);
		args.add(value);
	}

	static String pidFile(int port) {
		return STATE + "/node-" + port + ".pid";
	}

	/**
	 * @param port the node's client port
	 * @param signal {@code KILL}, {@code STOP} or {@code CONT}
	 * @return a command that sends the signal to the node's process
	 */
	static String signalCommand(int port, String signal) {
		return "read p < " + pidFile(port) + " && kill -" + signal + " \"$p\"";
	}

	/** A crash: the node stays down until {@link #restartCommand(int)}. */
	static String killCommand(int port) {
		return "echo 1 > " + STATE + "/node-" + port + ".down && " + signalCommand(port, "KILL");
	}

	/** Lets a node killed with {@link #killCommand(int)} start again, with its {@code nodes.conf}. */
	static String restartCommand(int port) {
		return ": > " + STATE + "/node-" + port + ".down";
	}

	static String quote(String value) {
		return "'" + value.replace("'", "'\"'\"'") + "'";
	}

}
