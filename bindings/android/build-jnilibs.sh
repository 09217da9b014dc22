#!/usr/bin/env bash
# Builds libfieldcase_ffi.so for the four Android ABIs into the Android library module's
# jniLibs, and regenerates its Kotlin bindings. Needs the Android NDK (ANDROID_NDK_HOME),
# cargo-ndk (`cargo install cargo-ndk`) and the Rust targets:
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android
# Produces android/fieldcase/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64,x86}/libfieldcase_ffi.so
set -euo pipefail
cd "$(dirname "$0")/../.."
out=android/fieldcase/src/main/jniLibs
# The `phone` profile: optimised for size, one codegen unit, link-time optimisation, stripped.
cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o "$out" build --profile phone --locked -p fieldcase-ffi
# The Kotlin bindings come from the host build of the same code (they are ABI-independent).
PROFILE=phone scripts/bindings >/dev/null
find "$out" -name '*.so' -exec ls -l {} \;
