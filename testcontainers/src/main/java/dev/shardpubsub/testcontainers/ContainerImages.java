package dev.shardpubsub.testcontainers;

import org.testcontainers.utility.DockerImageName;

/** Image names as the cluster container uses them. */
final class ContainerImages {

	private ContainerImages() {
	}

	/**
	 * A Docker Hub official image named by its short name ({@code redis:7.4}) in full,
	 * {@code docker.io/library/redis:7.4}: the same image to the engine, but Spring Boot's own
	 * {@code @ServiceConnection} factory for a standalone Redis, which claims every container whose image
	 * repository is {@code redis}, no longer claims this one too (two Redis connection details for one container
	 * fail the test context).
	 * @param image the image
	 * @return the image, qualified when it is an official one named by its short name
	 */
	static DockerImageName qualified(DockerImageName image) {
		if (image.getRegistry().isEmpty() && !image.getRepository().contains("/")) {
			return DockerImageName.parse("docker.io/library/" + image.asCanonicalNameString())
				.asCompatibleSubstituteFor(image);
		}
		return image;
	}

}
