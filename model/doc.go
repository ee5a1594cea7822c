// Package model holds the four FLUX.1 networks — the rectified-flow
// transformer, the autoencoder, the CLIP-L and T5-XXL text encoders — each
// written once, as plain calls on a graph.Graph, with the names of the
// reference implementations (black-forest-labs/flux model.py, layers.py,
// autoencoder.py; HF CLIPTextModel and T5EncoderModel). Configurations come
// from the loader, which infers them from the checkpoint.
//
// model never calls Vulkan: graph's executors run what it builds.
package model
