// Nothing to call: the target only supplies one symbol the Linux Observation library needs.
