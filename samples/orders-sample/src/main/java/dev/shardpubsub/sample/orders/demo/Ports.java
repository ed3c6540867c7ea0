package dev.shardpubsub.sample.orders.demo;

import java.io.IOException;
import java.net.ServerSocket;

import dev.shardpubsub.test.EmbeddedRedisCluster;

/**
 * Free local ports for what the demo starts: the application's HTTP port, a node added to the cluster.
 */
final class Ports {

	private Ports() {
	}

	/**
	 * A free port for the application's HTTP server.
	 */
	static int freeHttpPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	/**
	 * A port for a new cluster node whose bus port (10000 above) is free too.
	 */
	static int freeNodePort() {
		return EmbeddedRedisCluster.reserveNodePort();
	}

}
