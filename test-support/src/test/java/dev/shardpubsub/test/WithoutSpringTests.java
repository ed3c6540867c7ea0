package dev.shardpubsub.test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * spring-test is optional: the annotation and the JUnit extension must load and work in a class loader that has no
 * Spring at all.
 */
class WithoutSpringTests {

	@Test
	void annotationAndExtensionWorkWithoutSpringOnTheClassPath() throws Exception {
		ClassLoader withoutSpring = new WithoutSpringClassLoader(getClass().getClassLoader());
		assertThatExceptionOfType(ClassNotFoundException.class)
			.isThrownBy(() -> withoutSpring.loadClass("org.springframework.test.annotation.DirtiesContext"));

		Class<?> annotation = withoutSpring.loadClass(EmbeddedCluster.class.getName());
		assertThat(annotation.getClassLoader()).isSameAs(withoutSpring);
		// The JVM drops the @DirtiesContext meta-annotation it cannot load and keeps @ExtendWith.
		assertThat(Arrays.stream(annotation.getAnnotations()).map(Annotation::annotationType).map(Class::getName))
			.contains("org.junit.jupiter.api.extension.ExtendWith")
			.doesNotContain("org.springframework.test.annotation.DirtiesContext");

		Object extension = withoutSpring.loadClass(EmbeddedClusterExtension.class.getName())
			.getDeclaredConstructor()
			.newInstance();
		assertThat(extension.getClass().getClassLoader()).isSameAs(withoutSpring);

		Class<?> registry = withoutSpring.loadClass(ClusterRegistry.class.getName());
		Method findOwner = registry.getDeclaredMethod("findOwner", Class.class);
		findOwner.setAccessible(true);
		Class<?> annotated = withoutSpring.loadClass(ClusterRegistry.class.getName() + "$Defaults");
		assertThat(findOwner.invoke(null, annotated)).isSameAs(annotated);
	}

	/** Loads this module's classes itself and pretends Spring does not exist. */
	private static final class WithoutSpringClassLoader extends ClassLoader {

		WithoutSpringClassLoader(ClassLoader parent) {
			super(parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (name.startsWith("org.springframework.")) {
				throw new ClassNotFoundException(name);
			}
			if (!name.startsWith("dev.shardpubsub.test.")) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded != null) {
					return loaded;
				}
				try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
					if (in == null) {
						throw new ClassNotFoundException(name);
					}
					byte[] bytes = in.readAllBytes();
					return defineClass(name, bytes, 0, bytes.length);
				}
				catch (IOException ex) {
					throw new ClassNotFoundException(name, ex);
				}
			}
		}

	}

}
