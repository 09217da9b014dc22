#!/usr/bin/env bash
# Builds the iOS XCFramework that ios/FieldcaseKit/Package.swift references on Apple
# platforms: a static library for devices (arm64) and one for the simulator (arm64 + x86_64,
# joined with lipo), each with the generated C headers and a module map. Run on macOS with
# Xcode and the Rust targets:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
# Produces ios/build/FieldcaseFFI.xcframework and regenerates the Swift bindings.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The `phone` profile: optimised for size, one codegen unit, link-time optimisation.
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --profile phone --locked -p fieldcase-ffi --target "$t"
done
build=ios/build
rm -rf "$build" && mkdir -p "$build/headers" "$build/sim"
# Swift sources and headers, from a host build of the same code.
cargo build --profile phone --locked -p fieldcase-ffi
host_lib=$(ls target/phone/libfieldcase_ffi.dylib target/phone/libfieldcase_ffi.so 2>/dev/null | head -n 1)
tmp=$(mktemp -d)
target/phone/uniffi-bindgen generate --library "$host_lib" --language swift --out-dir "$tmp"
# Both crates' headers go into the C module FieldcaseFFI, their Swift into the module Fieldcase
# (bindings/uniffi.toml), as scripts/bindings does for the Linux tests.
cp "$tmp"/*FFI.h "$build/headers/"
cp ios/FieldcaseKit/Sources/FieldcaseFFI/include/module.modulemap "$build/headers/"
for name in Fieldcase FieldcaseCore; do
  cp "$tmp/$name.swift" "ios/FieldcaseKit/Sources/Fieldcase/$name.generated.swift"
done
lipo -create target/aarch64-apple-ios-sim/phone/libfieldcase_ffi.a target/x86_64-apple-ios/phone/libfieldcase_ffi.a \
  -output "$build/sim/libfieldcase_ffi.a"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/phone/libfieldcase_ffi.a -headers "$build/headers" \
  -library "$build/sim/libfieldcase_ffi.a" -headers "$build/headers" \
  -output "$build/FieldcaseFFI.xcframework"
echo "$build/FieldcaseFFI.xcframework"
