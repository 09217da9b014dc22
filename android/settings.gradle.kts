// The Android side of Fieldcase: the `fieldcase` library module wraps the Rust core
// (jniLibs from bindings/android/build-jnilibs.sh, Kotlin from scripts/bindings); `app` is the
// field app, its screens shared with the desktop-JVM tests (tests/compose).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "fieldcase-android"
include(":fieldcase", ":app")
