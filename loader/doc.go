// Package loader owns everything between a checkpoint on disk and the
// tensors the engine uploads: the safetensors container (memory-mapped,
// validated before any tensor is touched), element types and their
// conversions, the FLUX.1 checkpoint layouts (BFL single files, diffusers
// folders, ComfyUI / stable-diffusion.cpp style separate files, the
// Hugging Face cache), the mapping of every layout onto one internal naming
// per component, the model configuration inferred from tensor shapes, and
// the report printed by `flux-vk inspect`.
//
// Tokenizers live in the subpackage loader/tokenizer.
package loader
