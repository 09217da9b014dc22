// The field app. Its screens and their state holders live in src/shared/kotlin, compiled here
// for Android and by tests/compose (Maven) for the desktop JVM, where they are tested and drawn;
// src/main/kotlin holds what only Android has (the activity, the Keystore, WorkManager, the
// camera's QR scanner).
// Build on a machine with the Android SDK: `cd android && ./gradlew :app:assembleDebug`
// (gradle wrapper 8.10+, JDK 17; the Rust targets and cargo-ndk as in
// bindings/android/build-jnilibs.sh).
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "org.fieldcase.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "org.fieldcase.app"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions {
        jvmTarget = "17"
    }
    buildFeatures {
        compose = true
    }
    sourceSets["main"].java.srcDirs("src/main/kotlin", "src/shared/kotlin")
}

dependencies {
    implementation(project(":fieldcase"))
    implementation(platform("androidx.compose:compose-bom:2025.10.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.foundation:foundation")
    implementation("androidx.compose.ui:ui")
    implementation("androidx.activity:activity-compose:1.10.1")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.9.4")
    // Background sync when a network is there.
    implementation("androidx.work:work-runtime-ktx:2.10.5")
    // Scanning the office's join QR code with the camera.
    implementation("com.journeyapps:zxing-android-embedded:4.3.0")
}
