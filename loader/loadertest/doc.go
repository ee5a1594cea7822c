// Package loadertest owns test helpers that lay FLUX.1 checkpoints out on
// disk the ways users have them: it rewrites BFL / ComfyUI single files
// (the golden pipeline files) into the diffusers folder that
// `huggingface-cli download black-forest-labs/FLUX.1-schnell` leaves, with
// diffusers tensor names, shards and shard indexes, config.json files,
// tokenizers and the scheduler configuration.
//
// The name conversions are written independently of the loader's own tables
// (as diffusers' conversion scripts spell the names), so converting and
// loading back checks the loader's mapping both ways. Tests of package
// loader use it from the external test package loader_test; the CLI tests
// use it to run `flux-vk generate --model DIR`.
package loadertest
