// onnxruntime-node 1.30 turns telemetry on by default: the first session of every process writes
// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db (queued events with the model's
// feature names, training parameters and the host's CPU and OS, for a Microsoft events endpoint)
// and leaves an empty mat-debug-<pid>.log in the temp directory. A service that promises privacy
// must not, so this module, imported before onnxruntime-node is first loaded, switches it off for
// the whole process. It overrides any value set outside: there is no supported way to turn it on.
process.env.ORT_DISABLE_TELEMETRY = '1';
