// Package config loads and validates the configuration files of the custos
// daemons and the roster of share nodes.
//
// LoadNode reads the YAML file of `custos node --config FILE`, and
// LoadCoordinator that of `custos coordinator --config FILE`. Decoding is
// strict: an unknown or duplicated field is an error naming it, with its
// line. After decoding, defaults are applied, every relative path is
// resolved against the directory of the configuration file, and the result
// is validated as a whole: every problem found is reported in one error,
// each named by its YAML path (for example "keystore.passphrase_file: ...").
// A loaded value holds parsed, checked values (absolute paths, Ed25519
// authorization keys on the curve, durations), so code past the loader
// does not re-check them.
//
// ExampleNode and ExampleCoordinator return the commented YAML that
// `custos node init` and `custos coordinator init` write; every field is
// documented there, and the examples load back.
//
// The roster (roster.json) pins the public identity of every share node;
// LoadRoster and WriteRoster read and write it in a versioned JSON format.
//
// # Security
//
// A configuration file names secrets but never holds one: passphrases come
// from a file, an environment variable or a terminal prompt, and private
// keys live in their own files. The loader refuses a passphrase file, age
// identity file or TLS key file that is readable by group or others.
// Authorization keys and the roster are pinned: a node trusts only the
// signers and peers its own files name, whatever the coordinator says.
package config
