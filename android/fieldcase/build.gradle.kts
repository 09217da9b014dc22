// The phone library as an Android library: generated Kotlin bindings over JNA, OkHttp for
// the network, coroutines for the suspend API, and
// libfieldcase_ffi.so for arm64-v8a, armeabi-v7a, x86_64 and x86.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.fieldcase"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions {
        jvmTarget = "17"
    }
    // Hand-written Kotlin (OkHttpTransport, Flows) and the bindings scripts/bindings generates.
    sourceSets["main"].java.srcDirs("src/main/kotlin", "src/generated/kotlin")
}

// Build the native libraries and bindings before compiling.
val rustLibraries by tasks.registering(Exec::class) {
    workingDir = rootDir.parentFile
    commandLine("bindings/android/build-jnilibs.sh")
}
tasks.named("preBuild") { dependsOn(rustLibraries) }

dependencies {
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    api("com.squareup.okhttp3:okhttp:4.12.0")
}
