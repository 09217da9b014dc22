// The Android side of Fieldcase: the `fieldcase` library module wraps the Rust core
// (jniLibs from bindings/android/build-jnilibs.sh, Kotlin from scripts/bindings).
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
include(":fieldcase")
