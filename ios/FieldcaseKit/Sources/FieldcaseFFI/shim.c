// SwiftPM needs one source file in a C target; the symbols come from libfieldcase_ffi.
