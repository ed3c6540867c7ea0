package dev.shardpubsub.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks loopback ports whose cluster bus port (port + 10000) is free as well.
 */
final class FreePorts {

	/** Offset of the cluster bus port, the server default. */
	static final int BUS_OFFSET = 10000;

	// Random ports in a range below the usual ephemeral range, so that port and bus port rarely collide with
	// outgoing connections or with other clusters started on the same machine at the same time.
	private static final int LOWEST = 20000;

	private static final int HIGHEST = 29999;

	// Ports handed out in this JVM and not yet released, so parallel clusters in one JVM never pick the same one.
	private static final Set<Integer> IN_USE = ConcurrentHashMap.newKeySet();

	private FreePorts() {
	}

	/**
	 * Reserve a port whose bus port is free too.
	 * @return the port
	 */
	static int reserve() {
		for (int attempt = 0; attempt < 1000; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
			if (isFree(port) && isFree(port + BUS_OFFSET) && IN_USE.add(port)) {
				return port;
			}
		}
		throw new IllegalStateException("No free loopback port pair (port, port+" + BUS_OFFSET + ") found between "
				+ LOWEST + " and " + HIGHEST);
	}

	static void release(int port) {
		IN_USE.remove(port);
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
