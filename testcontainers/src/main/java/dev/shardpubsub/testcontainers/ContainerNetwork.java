package dev.shardpubsub.testcontainers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** The host side of the cluster's addresses: which ports to publish, which address to announce. */
final class ContainerNetwork {

	private ContainerNetwork() {
	}

	/**
	 * The address the nodes announce: {@code 127.0.0.1} when the engine's host is this machine (also when
	 * Testcontainers names a bridge gateway of this machine), else the engine's host.
	 * @param engineHost what Testcontainers gives as the container's host
	 * @return the address to announce
	 */
	static String announceHost(String engineHost) {
		try {
			InetAddress address = InetAddress.getByName(engineHost);
			if (address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null) {
				return "127.0.0.1";
			}
		}
		catch (IOException ex) {
			// not resolvable here: announce it as it is
		}
		return engineHost;
	}

	/**
	 * Ports free on this machine; the container uses the same numbers inside, where they are free too.
	 * @param count how many
	 * @return distinct ports
	 */
	static List<Integer> freePorts(int count) {
		List<ServerSocket> sockets = new ArrayList<>();
		try {
			List<Integer> ports = new ArrayList<>();
			while (ports.size() < count) {
				ServerSocket socket = new ServerSocket(0);
				sockets.add(socket);
				ports.add(socket.getLocalPort());
			}
			return ports;
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free port for the cluster", ex);
		}
		finally {
			for (ServerSocket socket : sockets) {
				try {
					socket.close();
				}
				catch (IOException ex) {
					// already closed
				}
			}
		}
	}

}
